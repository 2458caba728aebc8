import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth/auth-form";
import { currentUser } from "@/lib/auth/page-session";

export const metadata = { title: "Sign up · Takeoff Exports" };

export default async function SignUpPage() {
  if (await currentUser()) redirect("/dashboard");
  return <AuthForm mode="sign-up" />;
}
