import { withSharePage } from "@/lib/api/share-page";
import { downloadShare } from "@/lib/shares/public";

// GET /s/{token}/download – count the download on the share and the export, then 302 to a short-lived URL (no sign-in)
export const GET = withSharePage(async ({ token, meta }) => {
  const link = await downloadShare({ token, meta });
  return new Response(null, { status: 302, headers: { Location: link.url } });
});

// HEAD /s/{token}/download – refused: Next.js would otherwise answer HEAD with GET, counting a download for a link preview
export const HEAD = withSharePage(async () => new Response(null, { status: 405, headers: { Allow: "GET" } }));
