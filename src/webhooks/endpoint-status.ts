import type { WebhookEndpointView } from "../db/webhooks";

/** How an endpoint stands, as the page and the API name it. */
export function webhookEndpointStatus(e: Pick<WebhookEndpointView, "failingSince" | "disabledAt">) {
  if (e.disabledAt) return "disabled" as const;
  return e.failingSince ? ("failing" as const) : ("active" as const);
}
