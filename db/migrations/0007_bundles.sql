ALTER TYPE "public"."export_format" ADD VALUE 'zip';--> statement-breakpoint
ALTER TYPE "public"."export_type" ADD VALUE 'bulk_export';