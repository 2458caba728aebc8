/**
 * The presets services (SPEC §13.1): plain functions of parsed input and an
 * optional database, every query scoped to its owner, throwing domain errors.
 */
export { resolveCreateRequest, templateSource } from "./apply";
export { deletePreset } from "./delete";
export { findOwnedPreset, getPreset, listPresets, resolvePreset, type PresetRef, type ResolvedPreset } from "./read";
export { createPreset, MAX_PRESETS, updatePreset } from "./write";
