// /dashboard/settings/api-keys – create (shown once), list and revoke API keys for integrations.
import { PageHeader } from "@/components/dashboard/page-header";
import { ApiKeysManager } from "@/components/settings/api-keys-manager";
import { requireUser } from "@/lib/auth/page-session";
import { listApiKeys } from "@/lib/auth/api-keys";

export const metadata = { title: "API keys · Takeoff Exports" };

export default async function ApiKeysPage() {
  const user = await requireUser();
  const { api_keys } = await listApiKeys(user.id);
  return (
    <div className="space-y-6">
      <PageHeader
        title="API keys"
        description={
          <p>
            Integrations call the API with <code className="rounded bg-slate-100 px-1 text-sm">Authorization: Bearer &lt;key&gt;</code>.
            Each key acts as you; revoke it when it is no longer needed. See the{" "}
            <a href="/api-docs" className="font-medium text-blue-800 underline underline-offset-2">
              API reference
            </a>
            .
          </p>
        }
      />
      <ApiKeysManager initialKeys={api_keys} />
    </div>
  );
}
