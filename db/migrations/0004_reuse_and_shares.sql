ALTER TYPE "public"."export_event_type" ADD VALUE 'duplicated';--> statement-breakpoint
ALTER TYPE "public"."export_event_type" ADD VALUE 'shared';--> statement-breakpoint
ALTER TYPE "public"."export_event_type" ADD VALUE 'share_revoked';--> statement-breakpoint
CREATE TABLE "export_presets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"format" "export_format" NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"name_template" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "export_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"source_type" text NOT NULL,
	"source_id" uuid NOT NULL,
	"preset_id" uuid,
	"format" "export_format",
	"options" jsonb,
	"cadence" jsonb NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"paused_reason" text,
	"next_run_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_export_id" uuid,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "export_shares" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"export_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"label" text,
	"expires_at" timestamp with time zone NOT NULL,
	"max_downloads" integer,
	"download_count" integer DEFAULT 0 NOT NULL,
	"last_downloaded_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "preset_id" uuid;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "schedule_slot" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "duplicate_of" uuid;--> statement-breakpoint
ALTER TABLE "export_presets" ADD CONSTRAINT "export_presets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_schedules" ADD CONSTRAINT "export_schedules_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_schedules" ADD CONSTRAINT "export_schedules_preset_id_export_presets_id_fk" FOREIGN KEY ("preset_id") REFERENCES "public"."export_presets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "export_shares" ADD CONSTRAINT "export_shares_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "export_presets_user_name_idx" ON "export_presets" USING btree ("user_id",lower("name"));--> statement-breakpoint
CREATE INDEX "export_schedules_user_created_idx" ON "export_schedules" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "export_schedules_due_idx" ON "export_schedules" USING btree ("next_run_at") WHERE "export_schedules"."enabled";--> statement-breakpoint
CREATE INDEX "export_schedules_source_idx" ON "export_schedules" USING btree ("source_type","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "export_shares_token_idx" ON "export_shares" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "export_shares_export_idx" ON "export_shares" USING btree ("export_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "exports_schedule_slot_idx" ON "exports" USING btree ("schedule_id","schedule_slot") WHERE "exports"."schedule_slot" is not null;--> statement-breakpoint
CREATE INDEX "exports_schedule_idx" ON "exports" USING btree ("schedule_id","created_at" DESC NULLS LAST) WHERE "exports"."schedule_id" is not null;