import { sql } from "kysely";
import { createStaff } from "../access/service.ts";
import { type ImportedMember, importMembers } from "../members/service.ts";
import { createOrgUnit, getRootOrgUnit } from "../org/service.ts";
import { hashPassword } from "../platform/auth/secrets.ts";
import { type Clock, systemClock } from "../platform/clock.ts";
import type { Database } from "../platform/db/database.ts";
import { createTenant } from "../tenants/service.ts";
import { ingestOrders, type OrderInput } from "../orders/ingest.ts";
import { refundOrder } from "../orders/refunds.ts";
import { DEMO_REGIONS, GIVEN_NAMES, JOIN_CHANNELS, ORDER_CHANNELS, PRODUCTS, SURNAMES } from "./brand.ts";
import { Random } from "./random.ts";

export const DEMO_PASSWORD = "enclave-demo";
const DAY_MS = 86_400_000;

export interface DemoOptions {
  slug?: string;
  members?: number;
  seed?: number;
  clock?: Clock;
}

export interface DemoResult {
  tenant_id: string;
  slug: string;
  members: number;
  orders: number;
  stores: number;
  staff: number;
}

/** Prefixes of the mobile ranges Chinese carriers issue (13x–19x). */
export const MOBILE_PREFIXES = [
  "130",
  "131",
  "135",
  "136",
  "137",
  "138",
  "139",
  "150",
  "151",
  "158",
  "177",
  "186",
  "188",
  "199",
];

/** A mobile number in the ranges Chinese carriers issue (13x–19x), in E.164. */
function phoneFor(random: Random, used: Set<string>): string {
  for (;;) {
    const prefix = random.pick(MOBILE_PREFIXES);
    const phone = `+86${prefix}${String(random.int(0, 99_999_999)).padStart(8, "0")}`;
    if (!used.has(phone)) {
      used.add(phone);
      return phone;
    }
  }
}

/**
 * Creates the demo brand: HQ, three regions of four stores, staff for each level, members who joined over
 * the past year in a growing stream, and their orders across channels.
 */
export async function loadDemo(database: Database, options: DemoOptions = {}): Promise<DemoResult> {
  const slug = options.slug ?? "demo";
  const memberCount = options.members ?? 3000;
  const random = new Random(options.seed ?? 42);
  const now = (options.clock ?? systemClock).now();
  const { db } = database;

  const tenant = await createTenant(db, {
    slug,
    name: "Enclave Tea 演示茶饮",
    currency: "CNY",
    country: "CN",
    time_zone: "Asia/Shanghai",
    locale: "zh-CN",
    demo: true,
  });
  const tenantId = tenant.tenant_id;
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  const loaded = await db.transaction().execute(async (tx) => {
    const hq = await getRootOrgUnit(tx, tenantId);
    const staffInput = (
      email: string,
      name: string,
      role: Parameters<typeof createStaff>[2]["role"],
      orgUnitId: string,
    ) =>
      createStaff(
        tx,
        tenantId,
        { email, name, role, org_unit_id: orgUnitId, password: DEMO_PASSWORD },
        { passwordHash },
      );
    let staffCount = 0;
    await staffInput(`owner@${slug}.enclave.dev`, "品牌负责人 Owner", "owner", hq.org_unit_id);
    await staffInput(`hq@${slug}.enclave.dev`, "总部运营 HQ Operator", "hq_operator", hq.org_unit_id);
    staffCount += 2;

    const stores: { id: string; guides: string[] }[] = [];
    for (const region of DEMO_REGIONS) {
      const unit = await createOrgUnit(tx, tenantId, {
        parent_id: hq.org_unit_id,
        kind: "region",
        code: region.code,
        name: region.name,
      });
      await staffInput(
        `${region.code.toLowerCase()}@${slug}.enclave.dev`,
        `${region.name} 经理`,
        "region_manager",
        unit.org_unit_id,
      );
      staffCount++;
      for (const [code, name] of region.stores) {
        const store = await createOrgUnit(tx, tenantId, {
          parent_id: unit.org_unit_id,
          kind: "store",
          code,
          name,
        });
        const lower = code.toLowerCase();
        await staffInput(
          `${lower}.manager@${slug}.enclave.dev`,
          `${name} 店长`,
          "store_manager",
          store.org_unit_id,
        );
        const guides: string[] = [];
        for (let g = 1; g <= 2; g++) {
          const guide = await staffInput(
            `${lower}.guide${g}@${slug}.enclave.dev`,
            `${name} 导购${g}`,
            "guide",
            store.org_unit_id,
          );
          guides.push(guide.staff_id);
        }
        staffCount += 3;
        stores.push({ id: store.org_unit_id, guides });
      }
    }

    // Joins grow through the year (a brand that is working), so later days see more new cards.
    const usedPhones = new Set<string>();
    const members: ImportedMember[] = [];
    for (let i = 0; i < memberCount; i++) {
      const ageDays = Math.floor(365 * (1 - Math.sqrt(random.next())));
      const joinedAt = new Date(now.getTime() - ageDays * DAY_MS - random.int(0, DAY_MS - 1));
      const channel = random.weighted(JOIN_CHANNELS);
      const store = random.pick(stores);
      const viaStore = channel === "store_qr" || channel === "pos";
      const gender = random.weighted([
        ["female", 62],
        ["male", 33],
        ["unknown", 5],
      ] as const);
      const birthYear = random.int(1975, 2006);
      members.push({
        phone: phoneFor(random, usedPhones),
        name: `${random.pick(SURNAMES)}${random.pick(GIVEN_NAMES)}`,
        gender,
        birthday:
          random.next() < 0.7
            ? `${birthYear}-${String(random.int(1, 12)).padStart(2, "0")}-${String(random.int(1, 28)).padStart(2, "0")}`
            : null,
        region: null,
        consent: { sms: random.next() < 0.6, im: random.next() < 0.8 },
        channel,
        store_id: store.id,
        guide_id: viaStore && random.next() < 0.7 ? random.pick(store.guides) : null,
        scene_key: channel === "store_qr" ? `store:${store.id}` : null,
        joined_at: joinedAt,
      });
    }
    members.sort((a, b) => a.joined_at.getTime() - b.joined_at.getTime());
    const created = await importMembers(tx, tenantId, members, now);
    return { tenant_id: tenantId, slug, created, stores: stores.length, staff: staffCount };
  });

  const orders = generateOrders(random, loaded.created, now);
  let ingested = 0;
  for (let start = 0; start < orders.length; start += ORDER_BATCH) {
    const batch = orders.slice(start, start + ORDER_BATCH);
    const results = await db
      .transaction()
      .execute((tx) => ingestOrders(tx, tenantId, batch, "system:demo", now));
    ingested += results.length;
    // A few returns, as in real life: about one order in fifty is refunded in part.
    const returned = results.filter((r) => r.member_id && random.next() < 0.02);
    await db.transaction().execute(async (tx) => {
      for (const order of returned) {
        await refundOrder(
          tx,
          tenantId,
          order.order_id,
          { external_id: `demo-refund-${order.order_id}`, amount_minor: 900 },
          "system:demo",
          now,
        );
      }
    });
  }
  // Statistics for what was just loaded: the embedded database has no autovacuum to gather them, and without them
  // its planner picks nested loops that made the first audience recompute of the demo take a minute, not 0.4 s.
  await sql`ANALYZE`.execute(db);
  const { created, ...rest } = loaded;
  return { ...rest, members: created.length, orders: ingested };
}

const ORDER_BATCH = 500;

interface DemoMember {
  member_id: string;
  joined_at: Date;
  home_store_id: string | null;
  guide_id: string | null;
}

/**
 * A year of orders with the skew real purchase logs show (CDNOW, the seeds): each member buys at their own rate
 * (gamma-distributed, so a few buy often and many rarely), about a third stop buying after a while, and weekends
 * are busier.
 */
function generateOrders(random: Random, members: DemoMember[], now: Date): OrderInput[] {
  const orders: OrderInput[] = [];
  let sequence = 0;
  for (const member of members) {
    const ordersPerMonth = random.gamma(0.7) * 1.2;
    const churnsAfterDays = random.next() < 0.35 ? random.exponential(90) : Number.POSITIVE_INFINITY;
    let t = member.joined_at.getTime() + random.exponential(3) * DAY_MS;
    const stopAt = Math.min(now.getTime() - 60_000, member.joined_at.getTime() + churnsAfterDays * DAY_MS);
    while (t < stopAt && ordersPerMonth > 0.01) {
      const at = new Date(t);
      const channel = random.weighted(ORDER_CHANNELS);
      const lineCount = random.weighted([
        [1, 55],
        [2, 30],
        [3, 15],
      ] as const);
      const lines = Array.from({ length: lineCount }, () => {
        const product = random.weighted(PRODUCTS.map((p) => [p, p.category === "merch" ? 1 : 8] as const));
        const quantity = random.weighted([
          [1, 80],
          [2, 20],
        ] as const);
        return {
          sku: product.sku,
          name: product.name,
          category: product.category,
          quantity,
          unit_price_minor: product.price_minor,
        };
      });
      const items = lines.reduce((a, l) => a + l.quantity * l.unit_price_minor, 0);
      // The seeds' newcomer pack: spend 148 get 20 off, now and then.
      const discount = items >= 14_800 && random.next() < 0.3 ? 2_000 : 0;
      const inStore = channel === "pos" || channel === "mini_program";
      orders.push({
        channel,
        external_id: `demo-${++sequence}`,
        member: { member_id: member.member_id },
        store_id: inStore ? (member.home_store_id ?? undefined) : undefined,
        guide_id: channel === "pos" && member.guide_id && random.next() < 0.5 ? member.guide_id : undefined,
        currency: "CNY",
        ordered_at: at,
        lines,
        discount_minor: discount,
        paid_minor: items - discount,
      });
      const weekend = at.getUTCDay() === 0 || at.getUTCDay() === 6;
      t += random.exponential((30 / ordersPerMonth) * (weekend ? 0.8 : 1)) * DAY_MS + 3_600_000;
    }
  }
  return orders.sort((a, b) => a.ordered_at.getTime() - b.ordered_at.getTime());
}
