// /api/auth/* – better-auth's endpoints (sign-up, sign-in, sign-out, session, api keys)
import { getAuth } from "@/lib/auth";

async function handler(req: Request): Promise<Response> {
  return (await getAuth()).handler(req);
}

export const GET = handler;
export const POST = handler;
