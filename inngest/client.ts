/** The Inngest client. Used only when INNGEST_EVENT_KEY or INNGEST_DEV is set (lib/env.ts modes.runner). */
import { Inngest } from "inngest";
import { env } from "@/lib/env";

export const inngest = new Inngest({
  id: "takeoff-exports",
  eventKey: env.INNGEST_EVENT_KEY,
  signingKey: env.INNGEST_SIGNING_KEY,
  ...(env.INNGEST_BASE_URL ? { baseUrl: env.INNGEST_BASE_URL } : {}),
  ...(env.INNGEST_DEV ? { isDev: true } : {}),
});
