import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth/auth-form";
import { currentUser } from "@/lib/auth/page-session";
import { safeReturnPath } from "@/lib/return-path";

export const metadata = { title: "Sign up · Takeoff Exports" };

type Props = { searchParams: Promise<{ next?: string | string[] }> };

export default async function SignUpPage({ searchParams }: Props) {
  const next = safeReturnPath((await searchParams).next);
  if (await currentUser()) redirect(next);
  return <AuthForm mode="sign-up" next={next} />;
}
