import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema.ts (`npm run db:generate`) and
// committed; the app applies them itself at start-up (db/index.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
