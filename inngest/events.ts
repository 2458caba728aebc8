/** The Inngest events of export jobs, with the shape of their data (validated when a function receives them). */
import { eventType } from "inngest";
import { z } from "zod";

const ExportRefSchema = z.object({ exportId: z.string().min(1), userId: z.string().min(1) });

/** Sent when an export should run; the event id is the export id, so a double send is one run. */
export const exportRequested = eventType("exports/export.requested", { schema: ExportRefSchema });

/** Sent when a user cancels or deletes an export; cancels its run (`cancelOn` matches `data.exportId`). */
export const exportCancelled = eventType("exports/export.cancelled", { schema: ExportRefSchema });
