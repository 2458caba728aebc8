/** Webhooks (SPEC §14.1): endpoints, the outbox, signing, the sender. */
export * from "./services";
