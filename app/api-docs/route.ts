// GET /api-docs – the human-readable API reference (Swagger UI served from npm assets, no CDN)
const HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>API reference · Takeoff Exports</title>
  <link rel="stylesheet" href="/api-docs/assets/swagger-ui.css">
  <style>body{margin:0} .back{display:block;padding:12px 20px;font:14px system-ui,sans-serif;background:#0f172a;color:#fff;text-decoration:none}</style>
</head>
<body>
  <a class="back" href="/dashboard">← Back to the dashboard</a>
  <main id="swagger-ui"></main>
  <script src="/api-docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api-docs/assets/init.js"></script>
</body>
</html>`;

export function GET() {
  return new Response(HTML, { headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" } });
}
