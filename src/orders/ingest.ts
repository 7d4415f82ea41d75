import { DateTime } from "luxon";
import { existingStaffIds } from "../access/service.ts";
import {
  joinMember,
  type MemberRef,
  normalizeTenantPhone,
  type ResolvedMember,
  resolveMemberRefs,
} from "../members/service.ts";
import { existingStoreIds } from "../org/service.ts";
import { insertMany } from "../platform/db/bulk.ts";
import type { Executor } from "../platform/db/database.ts";
import { Problem, type FieldError } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { addDelta, type BalanceDelta, lockBalances, readBalances } from "../points/balances.ts";
import { type EarnResult, evaluateEarnings } from "../points/earn-rules.ts";
import { localDay, zoneCalendar } from "../points/expiry.ts";
import { type Earning, postEarnings } from "../points/movements.ts";
import { activeEarnRules, getProgram } from "../points/program.ts";
import { getTenant } from "../tenants/service.ts";
import { tierContexts, upgradeIfQualified } from "../tiers/service.ts";
import { type Amounts, checkAmounts, type LineInput } from "./rules.ts";
import type { OrderStatus } from "./tables.ts";

/** The most orders one request may carry; larger imports are split by the client (or the CLI). */
export const MAX_BATCH_ORDERS = 1_000;
/** The columns of an order row and their types, for bulk inserts (and bench/generate.ts's COPY). */
export const ORDER_COLUMNS = {
  tenant_id: "text",
  order_id: "text",
  channel: "text",
  external_id: "text",
  member_id: "text",
  customer_phone: "text",
  store_id: "text",
  guide_id: "text",
  status: "text",
  currency: "text",
  items_minor: "bigint",
  discount_minor: "bigint",
  shipping_minor: "bigint",
  paid_minor: "bigint",
  points_earned: "bigint",
  growth_earned: "bigint",
  earn_note: "text",
  ordered_at: "timestamptz",
  completes_at: "timestamptz",
  completed_at: "timestamptz",
  created_at: "timestamptz",
  updated_at: "timestamptz",
} as const;

export const LINE_COLUMNS = {
  tenant_id: "text",
  order_id: "text",
  line_no: "integer",
  sku: "text",
  name: "text",
  category: "text",
  quantity: "integer",
  unit_price_minor: "bigint",
  discount_minor: "bigint",
} as const;

export interface OrderInput {
  channel: string;
  external_id: string;
  member: MemberRef;
  store_id?: string | undefined;
  guide_id?: string | undefined;
  currency: string;
  ordered_at: Date;
  lines: LineInput[];
  discount_minor?: number | undefined;
  shipping_minor?: number | undefined;
  paid_minor: number;
}

export interface IngestResult {
  order_id: string;
  channel: string;
  external_id: string;
  /** False when the order was already known: nothing was earned again. */
  created: boolean;
  status: OrderStatus;
  member_id: string | null;
  points_earned: number;
  growth_earned: number;
  /** Whether the points wait for the return window. */
  points_pending: boolean;
  earn_note: string | null;
}

interface Prepared {
  index: number;
  input: OrderInput;
  amounts: Amounts;
  member: ResolvedMember | undefined;
  phone: string | null;
}

/**
 * Ingests orders from any channel, one or a thousand at a time, in the caller's transaction. A batch is all or
 * nothing: every problem of every order is reported with its field (`/orders/17/paid_minor`) and nothing is written.
 * The same order (channel + external id) sent again returns what it earned the first time and earns nothing.
 */
export async function ingestOrders(
  tx: Executor,
  tenantId: string,
  inputs: OrderInput[],
  actor: string,
  now: Date,
  /** Claimed held orders were placed before the card was opened by definition, and still earn. */
  options: { earnBeforeJoin?: boolean } = {},
): Promise<IngestResult[]> {
  if (inputs.length > MAX_BATCH_ORDERS)
    throw new Problem("validation-failed", `at most ${MAX_BATCH_ORDERS} orders per batch`);
  const tenant = await getTenant(tx, tenantId);
  const program = await getProgram(tx, tenantId);
  const errors: FieldError[] = [];
  const at = (i: number) => (inputs.length === 1 ? "" : `/orders/${i}`);

  // 1. Each order must add up and be in the brand's currency; no order twice in one batch.
  const keys = new Set<string>();
  const amounts: (Amounts | undefined)[] = inputs.map((input, i) => {
    const key = `${input.channel}\u0000${input.external_id}`;
    if (keys.has(key))
      errors.push({
        in: "body",
        field: `${at(i)}/external_id`,
        message: "the same order appears twice in this batch",
      });
    keys.add(key);
    if (input.currency !== tenant.currency) {
      errors.push({
        in: "body",
        field: `${at(i)}/currency`,
        message: `the brand's currency is ${tenant.currency}, not ${input.currency}`,
      });
    }
    if (input.ordered_at.getTime() > now.getTime() + 5 * 60_000) {
      errors.push({ in: "body", field: `${at(i)}/ordered_at`, message: "is in the future" });
    }
    const checked = checkAmounts(input, at(i));
    if ("errors" in checked) {
      errors.push(...checked.errors);
      return undefined;
    }
    return checked.amounts;
  });

  // 2. Orders already known are answered, not re-ingested.
  const existing = await tx
    .selectFrom("orders")
    .select([
      "order_id",
      "channel",
      "external_id",
      "status",
      "member_id",
      "points_earned",
      "growth_earned",
      "completes_at",
      "earn_note",
    ])
    .where("tenant_id", "=", tenantId)
    .where("channel", "in", [...new Set(inputs.map((o) => o.channel))])
    .where("external_id", "in", [...new Set(inputs.map((o) => o.external_id))])
    .execute();
  // Both lists are conditions on the unique (tenant, channel, external id) index; the pairs are matched here, since
  // a thousand OR-ed pairs plan badly.
  const known = new Map(
    existing
      .filter((o) => keys.has(`${o.channel}\u0000${o.external_id}`))
      .map((o) => [`${o.channel}\u0000${o.external_id}`, o]),
  );
  // A held (unmatched) order is taken up again when its customer can now be found: it keeps its id and earns.
  const adoptable = new Map<string, (typeof existing)[number]>();
  for (const [key, order] of known) {
    if (order.status === "unmatched") {
      adoptable.set(key, order);
      known.delete(key);
    }
  }

  // 3. Members, stores and guides must exist in this brand.
  const fresh = inputs
    .map((input, i) => ({ input, i }))
    .filter(({ input }) => !known.has(`${input.channel}\u0000${input.external_id}`));
  const members = await resolveMemberRefs(
    tx,
    tenantId,
    fresh.map(({ input }) => input.member),
  );
  const stores = await existingStoreIds(
    tx,
    tenantId,
    fresh.flatMap(({ input }) => (input.store_id ? [input.store_id] : [])),
  );
  const guides = await existingStaffIds(
    tx,
    tenantId,
    fresh.flatMap(({ input }) => (input.guide_id ? [input.guide_id] : [])),
  );
  const prepared: Prepared[] = [];
  for (const [k, { input, i }] of fresh.entries()) {
    if (input.store_id && !stores.has(input.store_id))
      errors.push({
        in: "body",
        field: `${at(i)}/store_id`,
        message: `${input.store_id} is not a store of this brand`,
      });
    if (input.guide_id && !guides.has(input.guide_id))
      errors.push({
        in: "body",
        field: `${at(i)}/guide_id`,
        message: `${input.guide_id} is not staff of this brand`,
      });
    const member = members[k];
    const key = `${input.channel}\u0000${input.external_id}`;
    const held = adoptable.get(key);
    if (held && !member && program.unmatched_orders === "hold") {
      // Still nobody to give it to: answer as the order it already is.
      known.set(key, held);
      adoptable.delete(key);
      continue;
    }
    let phone: string | null = null;
    if (!member) {
      if ("phone" in input.member) {
        phone = (await normalizeTenantPhone(tx, tenantId, input.member.phone)) ?? null;
        if (!phone)
          errors.push({
            in: "body",
            field: `${at(i)}/member/phone`,
            message: `"${input.member.phone}" is not a valid phone number`,
          });
      } else {
        const field = "member_id" in input.member ? "member_id" : "identity";
        errors.push({
          in: "body",
          field: `${at(i)}/member/${field}`,
          message: "no such member in this brand",
        });
      }
    }
    const amount = amounts[i];
    if (amount) prepared.push({ index: i, input, amounts: amount, member, phone });
  }
  if (errors.length > 0) {
    const first = errors[0];
    throw new Problem("validation-failed", first ? `${first.field}: ${first.message}` : "invalid orders", {
      errors,
    });
  }

  // 4. Unknown phones become prospects (who earn) or stay unmatched (held until they join), per the program.
  for (const p of prepared) {
    if (p.member || !p.phone) continue;
    if (program.unmatched_orders === "hold") continue;
    const sameBatch = prepared.find((q) => q !== p && q.member && q.phone === p.phone);
    p.member =
      sameBatch?.member ??
      (await joinMember(
        tx,
        tenantId,
        {
          phone: p.phone,
          channel: p.input.channel,
          store_id: p.input.store_id,
          joined_at: p.input.ordered_at,
        },
        now,
        { status: "prospect" },
      ).then((m) => ({
        member_id: m.member_id,
        status: m.status,
        phone: m.phone,
        joined_at: m.joined_at,
        home_store_id: m.home_store_id,
        guide_id: m.guide_id,
      })));
  }

  // 5. Evaluate earn rules with each member's context, in order time (first purchase and daily caps depend on it).
  const memberIds = [...new Set(prepared.flatMap((p) => (p.member ? [p.member.member_id] : [])))];
  const rules = await activeEarnRules(tx, tenantId);
  const hasDayCap = rules.some(
    (r) => r.definition.kind === "cap" && r.definition.max_points_per_day !== undefined,
  );
  // Balances are read without locks and verified when they are updated at the end (a change that matters makes the
  // whole batch run again), so batches sharing members overlap. A daily cap depends on other orders of the same
  // day, which that check does not see: then the members are locked up front.
  const optimistic = !hasDayCap;
  const balances = optimistic
    ? await readBalances(tx, tenantId, memberIds)
    : await lockBalances(tx, tenantId, memberIds);
  const tiers = await tierContexts(tx, tenantId, memberIds, now);
  const earnedToday = hasDayCap
    ? await pointsEarnedOnDays(tx, tenantId, prepared, tenant.time_zone)
    : new Map<string, number>();
  const ordersSeen = new Map(memberIds.map((id) => [id, balances.get(id)?.orders_count ?? 0]));
  const windowMs = program.return_window_days * 86_400_000;
  const calendar = zoneCalendar(tenant.time_zone, program.expiry);

  const rows = [];
  const earnings: Earning[] = [];
  const counts = new Map<string, BalanceDelta>();
  const results: IngestResult[] = new Array<IngestResult>(inputs.length);
  for (const p of [...prepared].sort((a, b) => a.input.ordered_at.getTime() - b.input.ordered_at.getTime())) {
    const adopted = adoptable.get(`${p.input.channel}\u0000${p.input.external_id}`);
    const orderId = adopted?.order_id ?? newId("order");
    const completesAt = new Date(p.input.ordered_at.getTime() + windowMs);
    const memberId = p.member?.member_id ?? null;
    let earned: EarnResult = { points: 0, growth: 0, decisions: [] };
    let note: string | null = null;
    if (!p.member) {
      note = "held: no member with this phone yet";
    } else if (
      !(options.earnBeforeJoin ?? program.earn_before_join) &&
      p.input.ordered_at < p.member.joined_at
    ) {
      note = "placed before the member joined: earns nothing";
    } else {
      const local = calendar.facts(p.input.ordered_at);
      const dayKey = `${p.member.member_id}|${local.day}`;
      const tier = tiers.get(p.member.member_id);
      earned = evaluateEarnings(
        {
          channel: p.input.channel,
          store_id: p.input.store_id ?? null,
          ordered_at: p.input.ordered_at,
          lines: p.input.lines.map((l) => ({
            sku: l.sku,
            category: l.category ?? null,
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            discount_minor: l.discount_minor ?? 0,
          })),
          discount_minor: p.amounts.discount_minor,
          basis_minor: p.amounts.basis_minor,
        },
        {
          weekday: local.weekday,
          day_of_month: local.day_of_month,
          tier_code: tier?.tier_code ?? null,
          tier_multiplier: tier?.points_multiplier ?? 1,
          is_first_purchase: (ordersSeen.get(p.member.member_id) ?? 0) === 0,
          points_earned_today: earnedToday.get(dayKey) ?? 0,
        },
        rules,
      );
      earnedToday.set(dayKey, (earnedToday.get(dayKey) ?? 0) + earned.points);
      ordersSeen.set(p.member.member_id, (ordersSeen.get(p.member.member_id) ?? 0) + 1);
      addDelta(counts, p.member.member_id, {
        orders: 1,
        first_order_at: p.input.ordered_at,
        last_order_at: p.input.ordered_at,
      });
      if (earned.points > 0 || earned.growth > 0) {
        earnings.push({
          member_id: p.member.member_id,
          source_type: "order",
          source_id: orderId,
          earned_at: p.input.ordered_at,
          available_at: completesAt,
          expires_at: calendar.expiresAt(p.input.ordered_at),
          decisions: earned.decisions,
          reason: `order ${p.input.channel}/${p.input.external_id}`,
        });
      }
    }
    const status: OrderStatus = !p.member ? "unmatched" : completesAt <= now ? "completed" : "paid";
    rows.push({
      tenant_id: tenantId,
      order_id: orderId,
      channel: p.input.channel,
      external_id: p.input.external_id,
      member_id: memberId,
      customer_phone: p.phone,
      store_id: p.input.store_id ?? null,
      guide_id: p.input.guide_id ?? null,
      status,
      currency: p.input.currency,
      items_minor: p.amounts.items_minor,
      discount_minor: p.amounts.discount_minor,
      shipping_minor: p.amounts.shipping_minor,
      paid_minor: p.amounts.paid_minor,
      points_earned: earned.points,
      growth_earned: earned.growth,
      earn_note: note,
      ordered_at: p.input.ordered_at,
      completes_at: completesAt,
      completed_at: status === "completed" ? completesAt : null,
      created_at: now,
      updated_at: now,
    });
    results[p.index] = {
      order_id: orderId,
      channel: p.input.channel,
      external_id: p.input.external_id,
      created: adopted === undefined,
      status,
      member_id: memberId,
      points_earned: earned.points,
      growth_earned: earned.growth,
      points_pending: earned.points > 0 && completesAt > now,
      earn_note: note,
    };
  }

  // 6. Write: orders, lines, ledger and lots, balances, events — a few statements for the whole batch.
  if (rows.length > 0) {
    const adoptedIds = [...adoptable.values()].map((o) => o.order_id);
    if (adoptedIds.length > 0) {
      await tx
        .deleteFrom("order_lines")
        .where("tenant_id", "=", tenantId)
        .where("order_id", "in", adoptedIds)
        .execute();
      await tx
        .deleteFrom("orders")
        .where("tenant_id", "=", tenantId)
        .where("order_id", "in", adoptedIds)
        .execute();
    }
    await insertMany(tx, "orders", ORDER_COLUMNS, rows);
    const lines = prepared.flatMap((p) => {
      const orderId = results[p.index]?.order_id ?? "";
      return p.input.lines.map((l, n) => ({
        tenant_id: tenantId,
        order_id: orderId,
        line_no: n + 1,
        sku: l.sku,
        name: l.name ?? null,
        category: l.category ?? null,
        quantity: l.quantity,
        unit_price_minor: l.unit_price_minor,
        discount_minor: l.discount_minor ?? 0,
      }));
    });
    await insertMany(tx, "order_lines", LINE_COLUMNS, lines);
    const firstPurchaseMatters = rules.some(
      (r) => r.definition.kind === "bonus" && r.definition.first_purchase_only === true,
    );
    await postEarnings(
      tx,
      tenantId,
      earnings,
      { actor },
      now,
      balances,
      counts,
      optimistic ? { ordered: firstPurchaseMatters } : undefined,
    );
    await insertMany(
      tx,
      "outbox",
      {
        tenant_id: "text",
        event_id: "text",
        type: "text",
        subject_id: "text",
        payload: "jsonb",
        occurred_at: "timestamptz",
      },
      rows.map((r) => ({
        tenant_id: tenantId,
        event_id: newId("event"),
        type: r.member_id ? "order.created" : "order.unmatched",
        subject_id: r.member_id,
        payload: {
          order_id: r.order_id,
          channel: r.channel,
          external_id: r.external_id,
          member_id: r.member_id,
          store_id: r.store_id,
          guide_id: r.guide_id,
          paid_minor: r.paid_minor,
          points_earned: r.points_earned,
          growth_earned: r.growth_earned,
        },
        occurred_at: r.ordered_at,
      })),
    );
    await upgradeIfQualified(tx, tenantId, memberIds, now);
  }

  for (const [i, input] of inputs.entries()) {
    if (results[i]) continue;
    const order = known.get(`${input.channel}\u0000${input.external_id}`);
    if (!order) continue;
    results[i] = {
      order_id: order.order_id,
      channel: order.channel,
      external_id: order.external_id,
      created: false,
      status: order.status,
      member_id: order.member_id,
      points_earned: order.points_earned,
      growth_earned: order.growth_earned,
      points_pending: order.status === "paid" && order.points_earned > 0,
      earn_note: order.earn_note,
    };
  }
  return results;
}

/** Points each member already earned from orders on the brand-local days of these orders (for daily caps). */
async function pointsEarnedOnDays(
  tx: Executor,
  tenantId: string,
  orders: Prepared[],
  timeZone: string,
): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  const withMember = orders.filter((o) => o.member);
  if (withMember.length === 0) return result;
  const times = withMember.map((o) => o.input.ordered_at.getTime());
  const from = DateTime.fromMillis(Math.min(...times), { zone: timeZone })
    .startOf("day")
    .toJSDate();
  const to = DateTime.fromMillis(Math.max(...times), { zone: timeZone })
    .endOf("day")
    .toJSDate();
  const rows = await tx
    .selectFrom("orders")
    .select(["member_id", "ordered_at", "points_earned"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", [...new Set(withMember.map((o) => o.member?.member_id ?? ""))])
    .where("ordered_at", ">=", from)
    .where("ordered_at", "<=", to)
    .where("points_earned", ">", 0)
    .execute();
  for (const row of rows) {
    const key = `${row.member_id ?? ""}|${localDay(row.ordered_at, timeZone)}`;
    result.set(key, (result.get(key) ?? 0) + row.points_earned);
  }
  return result;
}

/**
 * Orders held because nobody had this phone yet are claimed when a member with it joins: they are ingested again
 * for that member (keeping their ids) and earn as they would have. Runs from the `member.joined` event.
 */
export async function claimHeldOrders(
  tx: Executor,
  tenantId: string,
  phone: string,
  now: Date,
): Promise<IngestResult[]> {
  const held = await tx
    .selectFrom("orders")
    .select([
      "order_id",
      "channel",
      "external_id",
      "store_id",
      "guide_id",
      "currency",
      "ordered_at",
      "discount_minor",
      "shipping_minor",
      "paid_minor",
    ])
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "unmatched")
    .where("customer_phone", "=", phone)
    .orderBy("ordered_at")
    .limit(MAX_BATCH_ORDERS)
    .forUpdate()
    .execute();
  if (held.length === 0) return [];
  const lines = await tx
    .selectFrom("order_lines")
    .select(["order_id", "sku", "name", "category", "quantity", "unit_price_minor", "discount_minor"])
    .where("tenant_id", "=", tenantId)
    .where(
      "order_id",
      "in",
      held.map((o) => o.order_id),
    )
    .orderBy("order_id")
    .orderBy("line_no")
    .execute();
  const inputs: OrderInput[] = held.map((o) => ({
    channel: o.channel,
    external_id: o.external_id,
    member: { phone },
    store_id: o.store_id ?? undefined,
    guide_id: o.guide_id ?? undefined,
    currency: o.currency,
    ordered_at: o.ordered_at,
    lines: lines
      .filter((l) => l.order_id === o.order_id)
      .map((l) => ({
        sku: l.sku,
        name: l.name ?? undefined,
        category: l.category ?? undefined,
        quantity: l.quantity,
        unit_price_minor: l.unit_price_minor,
        discount_minor: l.discount_minor,
      })),
    discount_minor: o.discount_minor,
    shipping_minor: o.shipping_minor,
    paid_minor: o.paid_minor,
  }));
  return ingestOrders(tx, tenantId, inputs, "system:claim", now, { earnBeforeJoin: true });
}
