/**
 * The exports services, one operation (or a close family) per file. Each is a
 * plain function of parsed input (ids already validated by the route) and an
 * optional database, scoped to its owner inside the query, throwing domain
 * errors (lib/errors.ts) that lib/api maps to statuses.
 */
export { cancelExport, patchExport, retryExport } from "./change";
export { createExport, formatLabel, suggestedName, type CreateResult, type SourceRef } from "./create";
export { deleteExport, deleteProjectWithExports } from "./delete";
export { duplicateExport } from "./duplicate";
export { recordDownload } from "./download";
export { withUrl } from "./links";
export { exportStats, LIST_FILTERS, listExports, listQuery, type ListFilter } from "./list";
export { findOwned, getExport, listEvents, taskStatus, type ExportRef } from "./read";
