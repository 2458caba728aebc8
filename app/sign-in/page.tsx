import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth/auth-form";
import { DEMO_EMAIL, DEMO_PASSWORD } from "@/db/seed";
import { currentUser } from "@/lib/auth/page-session";
import { env, isEmbedded } from "@/lib/env";
import { safeReturnPath } from "@/lib/return-path";

export const metadata = { title: "Sign in · Takeoff Exports" };

type Props = { searchParams: Promise<{ next?: string | string[] }> };

export default async function SignInPage({ searchParams }: Props) {
  // `?next=` is the page the visitor asked for; anything but a path of this site becomes /dashboard.
  const next = safeReturnPath((await searchParams).next);
  if (await currentUser()) redirect(next);
  const showDemo = env.SEED_DEMO ?? isEmbedded;
  return <AuthForm mode="sign-in" next={next} demo={showDemo ? { email: DEMO_EMAIL, password: DEMO_PASSWORD } : undefined} />;
}
