import { DashboardNav } from "@/components/dashboard/nav";
import { ToastProvider } from "@/components/ui/toast";
import { requireUser } from "@/lib/auth/page-session";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  return (
    <ToastProvider>
      <DashboardNav email={user.email} />
      <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
    </ToastProvider>
  );
}
