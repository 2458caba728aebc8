/** Webhook services (SPEC §14.1): plain functions of parsed input, scoped to the owner. */
export * from "./deliveries";
export * from "./endpoints";
