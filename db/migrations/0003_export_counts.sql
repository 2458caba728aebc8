CREATE TABLE "export_counts" (
	"user_id" text NOT NULL,
	"status" "export_status" NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "export_counts_user_id_status_pk" PRIMARY KEY("user_id","status")
);
--> statement-breakpoint
ALTER TABLE "export_counts" ADD CONSTRAINT "export_counts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Kept exact by triggers, in the transaction that changes the export.
CREATE FUNCTION "export_counts_track"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE "export_counts" SET "n" = "n" - 1 WHERE "user_id" = OLD."user_id" AND "status" = OLD."status";
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "export_counts" ("user_id", "status", "n") VALUES (NEW."user_id", NEW."status", 1)
      ON CONFLICT ("user_id", "status") DO UPDATE SET "n" = "export_counts"."n" + 1;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "exports_counts_insert_delete" AFTER INSERT OR DELETE ON "exports"
  FOR EACH ROW EXECUTE FUNCTION "export_counts_track"();
--> statement-breakpoint
CREATE TRIGGER "exports_counts_status" AFTER UPDATE OF "status", "user_id" ON "exports"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."user_id" IS DISTINCT FROM NEW."user_id")
  EXECUTE FUNCTION "export_counts_track"();
--> statement-breakpoint
CREATE FUNCTION "export_counts_clear"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "export_counts";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "exports_counts_truncate" AFTER TRUNCATE ON "exports"
  FOR EACH STATEMENT EXECUTE FUNCTION "export_counts_clear"();
--> statement-breakpoint
INSERT INTO "export_counts" ("user_id", "status", "n")
  SELECT "user_id", "status", count(*) FROM "exports" GROUP BY "user_id", "status";
