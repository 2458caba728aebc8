/** Share links (SPEC §14.2): the owner's operations, the public lookup and download, the states. */
export { createShare, listShares, revokeShare, shareUrl } from "./manage";
export { downloadShare, openShare, ShareGoneError, type SharedFile } from "./public";
export { SHARE_GONE_TEXT, SHARE_REQUESTS_PER_MINUTE, type ShareGone, type ShareState } from "./model";
