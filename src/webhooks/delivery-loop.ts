import type { Platform } from "../platform/context.ts";
import { deliverDueWebhooks, purgeDelivered, queueDeliveries } from "./deliveries.ts";
import { Poller } from "./poller.ts";

const IDLE_POLL_MS = 1_000;

/**
 * Outgoing webhooks, wired: the relay copies subscribed events into deliveries (in its transaction, so exactly
 * once), the returned loop sends them (start it with the other background work), and an hourly job forgets
 * deliveries delivered long ago.
 */
export function webhookDelivery(platform: Platform): Poller {
  platform.events.subscribe("*", queueDeliveries);
  platform.jobs.define(
    "webhooks.purge-delivered",
    async () => void (await purgeDelivered(platform.database.db, platform.clock.now())),
    { cron: "47 * * * *" },
  );
  return new Poller(
    "webhook delivery",
    () =>
      deliverDueWebhooks(platform.database.db, {
        allowPrivate: platform.config.webhooksAllowPrivate,
        now: () => platform.clock.now(),
      }),
    { idleMs: IDLE_POLL_MS, log: platform.log },
  );
}
