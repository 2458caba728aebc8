// /dashboard/settings/webhooks – webhook endpoints: create (secret shown once), test, delivery log, retry, rotate, enable/disable, delete (SPEC §14.1).
import { PageHeader } from "@/components/dashboard/page-header";
import { WebhooksManager } from "@/components/settings/webhooks-manager";
import { requireUser } from "@/lib/auth/page-session";
import { listEndpoints } from "@/lib/webhooks";

export const metadata = { title: "Webhooks · Takeoff Exports" };

export default async function WebhooksPage() {
  const user = await requireUser();
  const { webhooks } = await listEndpoints({ userId: user.id });
  return (
    <div className="space-y-6">
      <PageHeader
        title="Webhooks"
        description={
          <p>
            Your systems hear about exports as they finish, fail, are cancelled or expire, instead of polling. Each delivery is a signed{" "}
            <code className="rounded bg-slate-100 px-1 text-sm">POST</code> (Standard Webhooks: verify it with the endpoint&apos;s secret);
            failed deliveries are retried for about 7 hours. See the{" "}
            <a href="/api-docs" className="font-medium text-blue-800 underline underline-offset-2">
              API reference
            </a>
            .
          </p>
        }
      />
      <WebhooksManager initialWebhooks={webhooks} />
    </div>
  );
}
