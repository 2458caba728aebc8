/** Session lookup for server components: the signed-in user, or a redirect to /sign-in?next=<the page asked for>. */
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { RETURN_PATH_HEADER, authPageHref } from "@/lib/return-path";
import { authenticate, type AuthUser } from "./session";

export async function currentUser(): Promise<AuthUser | null> {
  const result = await authenticate(await headers());
  return result?.via === "session" ? result.user : null;
}

export async function requireUser(): Promise<AuthUser> {
  const user = await currentUser();
  // proxy.ts sets the header for /dashboard/**; authPageHref checks it again and drops it when it is not a path of ours.
  if (!user) redirect(authPageHref("/sign-in", (await headers()).get(RETURN_PATH_HEADER)));
  return user;
}
