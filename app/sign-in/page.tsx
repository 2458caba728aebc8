import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth/auth-form";
import { DEMO_EMAIL, DEMO_PASSWORD } from "@/db/seed";
import { currentUser } from "@/lib/auth/page-session";
import { env, isEmbedded } from "@/lib/env";

export const metadata = { title: "Sign in · Takeoff Exports" };

export default async function SignInPage() {
  if (await currentUser()) redirect("/dashboard");
  const showDemo = env.SEED_DEMO ?? isEmbedded;
  return <AuthForm mode="sign-in" demo={showDemo ? { email: DEMO_EMAIL, password: DEMO_PASSWORD } : undefined} />;
}
