import { withPublic } from "@/lib/api/handler";
import { serveStorageRequest } from "@/lib/storage";

// GET|HEAD /api/storage/{...key} – streams a disk-stored export file through an HMAC-signed, expiring URL (no session needed)
const serve = withPublic(async ({ req, params }) => serveStorageRequest(req, params.key));

export const GET = serve;
export const HEAD = serve;
