// Dashboard shell: signed-in users only (others go to /sign-in), header navigation and the toast region.
import { DashboardNav } from "@/components/dashboard/nav";
import { ToastProvider } from "@/components/ui/toast";
import { requireUser } from "@/lib/auth/page-session";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  return (
    <ToastProvider>
      <DashboardNav email={user.email} name={user.name} />
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 pb-24 focus:outline-none sm:px-6 sm:py-8">
        {children}
      </main>
    </ToastProvider>
  );
}
