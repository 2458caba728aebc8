import { htmlResponse, withSharePage } from "@/lib/api/share-page";
import { openShare } from "@/lib/shares/public";
import { sharePageHtml } from "@/lib/shares/page";

// GET /s/{token} – the public page of a share link: what the file is, its checksum, expiry and a Download button (no sign-in)
export const GET = withSharePage(async ({ token }) =>
  htmlResponse(sharePageHtml(await openShare({ token }), `/s/${encodeURIComponent(token)}/download`)),
);
