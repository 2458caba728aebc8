import { PHASE_DEVELOPMENT_SERVER } from "next/constants.js";

/**
 * Security headers for every page (signed storage downloads and share links set their own):
 * a CSP without 'unsafe-eval' outside `next dev` (React's dev tooling needs
 * it), no framing, no MIME sniffing, a strict referrer policy.
 */
function securityHeaders(dev) {
  const csp = [
    "default-src 'self'",
    // Next.js bootstraps hydration with inline scripts.
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return [
    { key: "Content-Security-Policy", value: csp },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  ];
}

/** @type {(phase: string) => import('next').NextConfig} */
export default function config(phase) {
  return {
    // PGlite, pdfkit (font files) and exceljs must be loaded from node_modules at
    // run time, not bundled: they read their own assets relative to their files.
    serverExternalPackages: ["@electric-sql/pglite", "pdfkit", "postgres"],
    poweredByHeader: false,
    async headers() {
      // Share links (/s/*) send their own, stricter set (lib/api/share-page.ts): no referrer at all, no scripts.
      return [{ source: "/((?!api/storage/|s/).*)", headers: securityHeaders(phase === PHASE_DEVELOPMENT_SERVER) }];
    },
  };
}
