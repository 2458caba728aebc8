/**
 * Share links' plain constants (SPEC §14.2): a share's states and what the
 * public page says for each. No imports, so the dashboard's client components
 * use the same copy as the services.
 */

/**
 * `active`: it downloads. The others answer 410 on the public page:
 * `revoked` by its owner, `expired` past its own expiry, `limit_reached`
 * after `max_downloads`, `unavailable` when its export was deleted, expired or
 * no longer has a file.
 */
export const SHARE_STATES = ["active", "revoked", "expired", "limit_reached", "unavailable"] as const;
export type ShareState = (typeof SHARE_STATES)[number];
export type ShareGone = Exclude<ShareState, "active">;

/** What the public 410 page says, in the words of SPEC §14.2. */
export const SHARE_GONE_TEXT: Record<ShareGone, string> = {
  revoked: "revoked",
  expired: "expired",
  limit_reached: "download limit reached",
  unavailable: "no longer available",
};

/** The dashboard's labels for a share's state. */
export const SHARE_STATE_LABELS: Record<ShareState, string> = {
  active: "Active",
  revoked: "Revoked",
  expired: "Expired",
  limit_reached: "Limit reached",
  unavailable: "Unavailable",
};

/** Requests per client address per minute over /s/* (SPEC §14.2). */
export const SHARE_REQUESTS_PER_MINUTE = 60;
/** Most downloads one link may allow. */
export const SHARE_MAX_DOWNLOADS = 100_000;
/** Longest label. */
export const SHARE_LABEL_MAX = 100;
