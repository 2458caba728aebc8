import { withSharePage } from "@/lib/api/share-page";
import { downloadShare } from "@/lib/shares/public";

// GET /s/{token}/download – count the download on the share and the export, then 302 to a short-lived URL (no sign-in)
export const GET = withSharePage(async ({ token, meta }) => {
  const link = await downloadShare({ token, meta });
  return new Response(null, { status: 302, headers: { Location: link.url } });
});
