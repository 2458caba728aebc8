/**
 * The schedules services (SPEC §13.3): plain functions of parsed input and an
 * optional database, every query scoped to its owner, throwing domain errors.
 */
export { findOwnedSchedule, getSchedule, listSchedules, type ScheduleRef } from "./read";
export { makeScheduledExport, runScheduleNow } from "./run";
export { createSchedule, deleteSchedule, patchSchedule, pauseSchedule, resumeSchedule } from "./write";
