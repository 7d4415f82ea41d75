import { sql } from "kysely";
import pino, { type Logger } from "pino";
import { accessRoutes } from "./access/routes.ts";
import { authenticate } from "./access/service.ts";
import {
  fitLtvJob,
  purgeExpiredTagsJob,
  recomputeAudienceJob,
  reevaluateDirtyJob,
  refreshAudienceJob,
} from "./audience/jobs.ts";
import { audienceRoutes } from "./audience/routes.ts";
import { registerAudienceSubscriptions } from "./audience/subscriptions.ts";
import { campaignRoutes, defineCampaignJobs, registerCampaignSubscriptions } from "./campaigns/wiring.ts";
import { mallRoutes } from "./coupons/mall/routes.ts";
import { releaseExpiredReservations } from "./coupons/release.ts";
import { couponRoutes } from "./coupons/routes.ts";
import { registerCouponSubscriptions } from "./coupons/subscriptions.ts";
import { engagementRoutes } from "./engagement/routes.ts";
import { registerEngagementSubscriptions } from "./engagement/subscriptions.ts";
import { memberRoutes } from "./members/routes.ts";
import { messageDelivery } from "./messaging/delivery.ts";
import { messagingRoutes } from "./messaging/routes.ts";
import { getMember } from "./members/service.ts";
import { webhookRoutes } from "./orders/adapters/routes.ts";
import { claimHeldOrders } from "./orders/ingest.ts";
import { completeDueOrders } from "./orders/refunds.ts";
import { orderRoutes } from "./orders/routes.ts";
import { orgRoutes } from "./org/routes.ts";
import { registerOrganisationSubscriptions } from "./org/subscriptions.ts";
import { type Clock, systemClock } from "./platform/clock.ts";
import type { Config } from "./platform/config.ts";
import type { Platform } from "./platform/context.ts";
import { type Database, openDatabase, type Tx } from "./platform/db/database.ts";
import { migrate } from "./platform/db/migrate.ts";
import { openConfiguredDatabase } from "./platform/db/open.ts";
import { EventRelay } from "./platform/events.ts";
import { purgeIdempotencyKeys } from "./platform/http/idempotency.ts";
import { createHttpServer, type HttpServer } from "./platform/http/server.ts";
import { Jobs } from "./platform/jobs.ts";
import { activateDueLots, expireDueLots } from "./points/movements.ts";
import { pointsRoutes } from "./points/routes.ts";
import { installMemberAuditLog } from "./privacy/audit.ts";
import { privacyRoutes } from "./privacy/routes.ts";
import { tenantRoutes } from "./tenants/routes.ts";
import { giveAllBirthdayGifts } from "./tiers/birthdays.ts";
import { registerTierSubscriptions } from "./tiers/gifts.ts";
import { tierRoutes } from "./tiers/routes.ts";
import { webRoutes } from "./web/plugin.ts";
import { reevaluateAllTenants } from "./tiers/service.ts";
import { webhookDelivery } from "./webhooks/delivery-loop.ts";
import { webhookEndpointRoutes } from "./webhooks/routes.ts";

export interface Enclave {
  platform: Platform;
  http: HttpServer;
  /** Starts background work: the event relay and the job queue. */
  startBackground(): Promise<void>;
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({ level, redact: ["req.headers.authorization", "*.password", "*.token"] });
}

/** Opens the database, runs migrations and wires every capability: the composition root. */
export async function openEnclave(
  config: Config,
  options: { database?: Database; clock?: Clock; log?: Logger } = {},
): Promise<Enclave> {
  const log = options.log ?? createLogger(config.logLevel);
  const database = options.database ?? (await openConfiguredDatabase(config));
  await migrate(database);
  // A replica is migrated by replication, never by us; analytics is a few concurrent queries at most.
  const readDatabase = config.readDatabaseUrl
    ? await openDatabase({ url: config.readDatabaseUrl, poolSize: 4 })
    : database;
  const clock = options.clock ?? systemClock;
  const events = new EventRelay(database.db, log);
  const jobs = new Jobs(database, log);
  const platform: Platform = { config, database, readDatabase, clock, log, events, jobs };

  defineJobs(platform);
  subscribeToEvents(platform);
  // Loops that send what was queued (webhook deliveries, messages); started with the other background work.
  const deliveryLoops = [webhookDelivery(platform), messageDelivery(platform)];

  const http = await createHttpServer(platform, (token, now) => authenticate(database.db, token, now));
  // Before any route: the audit log of member data access covers every capability's routes.
  installMemberAuditLog(http);
  await http.register(tenantRoutes);
  await http.register(orgRoutes);
  await http.register(accessRoutes);
  await http.register(memberRoutes);
  await http.register(orderRoutes);
  await http.register(webhookRoutes);
  await http.register(pointsRoutes);
  await http.register(tierRoutes);
  await http.register(couponRoutes);
  await http.register(mallRoutes);
  await http.register(audienceRoutes);
  await http.register(campaignRoutes);
  await http.register(engagementRoutes);
  await http.register(webRoutes);
  await http.register(webhookEndpointRoutes);
  await http.register(messagingRoutes);
  await http.register(privacyRoutes);
  await http.ready();

  let backgroundStarted = false;
  return {
    platform,
    http,
    async startBackground() {
      events.start();
      await jobs.start();
      for (const loop of deliveryLoops) loop.start();
      backgroundStarted = true;
    },
    async close() {
      await http.close();
      if (backgroundStarted) {
        await events.stop();
        await jobs.stop();
        for (const loop of deliveryLoops) await loop.stop();
      }
      if (readDatabase !== database) await readDatabase.close();
      if (!options.database) await database.close();
    },
  };
}

/** Runs `step` in its own transaction until it reports no more work (each call handles a bounded batch). */
async function drain(platform: Platform, step: (tx: Tx, now: Date) => Promise<number>): Promise<void> {
  const MAX_ROUNDS = 1_000;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const done = await platform.database.db.transaction().execute((tx) => step(tx, platform.clock.now()));
    if (done === 0) return;
  }
}

/** Recurring work. Cron is UTC; expiry instants are already at brand-local day ends, so a frequent run is prompt. */
function defineJobs(platform: Platform): void {
  const { jobs, database, clock } = platform;
  jobs.define(
    "platform.purge-idempotency-keys",
    async () => void (await purgeIdempotencyKeys(database.db, clock.now())),
    { cron: "17 * * * *" },
  );
  // PostgreSQL's autovacuum keeps planner statistics current; the embedded database has none, so this does.
  if (database.kind === "pglite")
    jobs.define("platform.analyze-embedded", async () => void (await sql`ANALYZE`.execute(database.db)), {
      cron: "23 * * * *",
    });
  jobs.define("orders.complete-due", () => drain(platform, completeDueOrders), { cron: "*/5 * * * *" });
  jobs.define("points.activate-due", () => drain(platform, (tx, now) => activateDueLots(tx, now)), {
    cron: "*/5 * * * *",
  });
  jobs.define("points.expire-due", () => drain(platform, (tx, now) => expireDueLots(tx, now)), {
    cron: "*/5 * * * *",
  });
  jobs.define("coupons.release-expired-holds", () => drain(platform, releaseExpiredReservations), {
    cron: "* * * * *",
  });
  // Nightly tier review, 00:23 in China (UTC+8); the review itself works in each brand's own calendar.
  jobs.define("tiers.reevaluate", async () => void (await reevaluateAllTenants(database.db, clock.now())), {
    cron: "23 16 * * *",
  });
  // Birthday gifts hourly, so each brand's members get theirs soon after their brand-local midnight; once a year.
  jobs.define(
    "tiers.birthday-gifts",
    async () => void (await giveAllBirthdayGifts(database.db, clock.now())),
    { cron: "4 * * * *" },
  );
  // Audience: dirty members every minute; the full recompute nightly at 01:41 China time, and on Sundays a
  // refresh of the stored facts from the ledger instead; LTV model refit daily.
  jobs.define("audience.reevaluate-dirty", () => reevaluateDirtyJob(platform), { cron: "* * * * *" });
  jobs.define("audience.purge-expired-tags", () => purgeExpiredTagsJob(platform), { cron: "*/15 * * * *" });
  jobs.define("audience.recompute", () => recomputeAudienceJob(platform), { cron: "41 17 * * 1-6" });
  jobs.define("audience.refresh-facts", () => refreshAudienceJob(platform), { cron: "41 17 * * 0" });
  jobs.define("audience.fit-ltv", () => fitLtvJob(platform), { cron: "11 19 * * *" });
  defineCampaignJobs(platform);
}

/** Reactions of one capability to another's events, run by the outbox relay (at least once, in the relay's transaction). */
function subscribeToEvents(platform: Platform): void {
  registerCouponSubscriptions(platform);
  registerTierSubscriptions(platform);
  registerAudienceSubscriptions(platform);
  registerCampaignSubscriptions(platform);
  registerOrganisationSubscriptions(platform);
  registerEngagementSubscriptions(platform);
  platform.events.subscribe("member.joined", async (event, tx) => {
    const member = await getMember(tx, event.tenantId, String(event.payload.member_id));
    if (member.phone) await claimHeldOrders(tx, event.tenantId, member.phone, platform.clock.now());
  });
}
