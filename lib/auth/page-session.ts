/** Session lookup for server components: the signed-in user, or a redirect to /sign-in. */
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { authenticate, type AuthUser } from "./session";

export async function currentUser(): Promise<AuthUser | null> {
  const result = await authenticate(await headers());
  return result?.via === "session" ? result.user : null;
}

export async function requireUser(): Promise<AuthUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}
