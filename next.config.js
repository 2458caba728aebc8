/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite, pdfkit (font files) and exceljs must be loaded from node_modules at
  // run time, not bundled: they read their own assets relative to their files.
  serverExternalPackages: ["@electric-sql/pglite", "pdfkit", "exceljs", "postgres"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
