/** The Inngest event that hurries webhook delivery (lib/webhooks/outbox.ts notifyWebhooks). */
import { eventType } from "inngest";
import { z } from "zod";

/** Messages were written to the outbox; their ids are informational (the function sends every due message). */
export const webhooksDue = eventType("webhooks/messages.due", { schema: z.object({ messageIds: z.array(z.string()) }) });
