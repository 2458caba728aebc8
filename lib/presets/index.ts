/** Presets (SPEC §13.1): saved export settings, their name templates, and the services. */
export * from "./services";
export { NAME_TEMPLATE_PLACEHOLDERS, renderNameTemplate, unknownPlaceholders, type NameTemplateValues } from "./template";
