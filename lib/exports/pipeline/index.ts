/**
 * The export pipeline (SPEC §7): the job's stages (./stages), its progress
 * and heartbeat (./progress), the sweeps that run on timers or crons
 * (./maintenance) and the storage deletion queue (./deletions).
 */
export { fail, finish, pdfCapMessage, renderAndUpload, runExport, start, storageKeyFor, type RunOutcome, type StoredFile } from "./stages";
export { cleanupExpired, sweepStalled } from "./maintenance";
export { removeObject, retryQueuedDeletions } from "./deletions";
