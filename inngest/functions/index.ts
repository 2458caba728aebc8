/** Every Inngest function the app serves at /api/inngest. */
import { cleanupExpiredExports } from "./cleanup-expired-exports";
import { deliverWebhooks, sweepWebhooks } from "./deliver-webhooks";
import { generateExport } from "./generate-export";
import { sweepStalledExports } from "./sweep-stalled-exports";
import { tickSchedulesFunction } from "./tick-schedules";

export const functions = [
  generateExport,
  cleanupExpiredExports,
  sweepStalledExports,
  tickSchedulesFunction,
  deliverWebhooks,
  sweepWebhooks,
];
