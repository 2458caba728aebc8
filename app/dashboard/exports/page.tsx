import { ExportsTable } from "@/components/exports/exports-table";

export const metadata = { title: "Exports · Takeoff Exports" };

export default function ExportsPage() {
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold">Exports</h1>
        <p className="text-slate-600">Your export history. Files are kept for a limited time; download them before they expire.</p>
      </div>
      <ExportsTable />
    </div>
  );
}
