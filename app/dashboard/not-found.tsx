// 404 inside the dashboard: missing, malformed or another user's project, document or export.
import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function DashboardNotFound() {
  return (
    <div className="mx-auto max-w-lg rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <h1 className="text-xl font-bold">Not found</h1>
      <p className="mt-2 text-slate-700">This project, document or export does not exist, or it is not yours.</p>
      <div className="mt-5 flex flex-wrap justify-center gap-2">
        <Link href="/dashboard" className={buttonClass("primary")}>
          Projects
        </Link>
        <Link href="/dashboard/exports" className={buttonClass("secondary")}>
          Exports
        </Link>
      </div>
    </div>
  );
}
