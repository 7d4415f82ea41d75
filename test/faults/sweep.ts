import { expect } from "vitest";
import type { ApiResponse, Harness } from "../support/harness.ts";
import {
  type ApiOperation,
  bodySchemaOf,
  fillPath,
  isPublic,
  type Method,
  type OpenApi,
  queryParameters,
  queryString,
  resolverOf,
  sampleBodies,
  validatorsOf,
} from "../support/openapi.ts";
import type { JsonSchema } from "../support/schema-arbitrary.ts";
import type { World, WorldMember } from "../support/world.ts";

/**
 * Requests for the access sweeps: every operation of the OpenAPI document with the ids it names (in the path, the
 * query and schema-valid bodies) taken from a seeded world, so a request reaches the check that should stop it.
 */

/** What the requests name: one member (and what is its alone) and, for every other kind, one object. */
export interface References {
  member: WorldMember;
  store: string;
  guide: string;
  tag: string;
  tagGroup: string;
  segment: string;
  campaign: string;
  couponTemplate: string;
  couponTemplateCode: string;
  pack: string;
  packCode: string;
  plan: string;
  tier: string;
  tierCode: string;
  rewardCode: string;
  messageTemplateCode: string;
  /** The order id a checkout commit sends: a new one each time for the caller's own (so it gets past "exists"). */
  checkoutOrderId: () => string;
}

let checkouts = 0;

export function referencesOf(
  world: World,
  member: WorldMember,
  scope = { store: world.org.s1, guide: world.guideA.id },
  fresh = false,
): References {
  return {
    checkoutOrderId: fresh ? () => `${world.label}-sweep-${++checkouts}` : () => member.checkout,
    member,
    ...scope,
    tag: world.ids.tag,
    tagGroup: world.ids.tag_group,
    segment: world.ids.segment,
    campaign: world.ids.campaign,
    couponTemplate: world.ids.coupon_template,
    couponTemplateCode: world.codes.coupon_template,
    pack: world.ids.pack,
    packCode: world.codes.pack,
    plan: world.ids.plan,
    tier: world.ids.tier,
    tierCode: world.codes.tier,
    rewardCode: world.codes.reward,
    messageTemplateCode: world.codes.message_template,
  };
}

/** Values for fields whose generated values a brand refuses before it looks at any id. */
const PLAUSIBLE: Record<string, string> = {
  currency: "CNY",
  time_zone: "Asia/Shanghai",
  url: "https://hooks.example.com/sweep",
  cron: "0 9 * * *",
};

const TIMES_PAST = new Set(["ordered_at", "occurred_at", "sent_at", "refunded_at"]);
const LINE = { sku: "TEA", quantity: 1, unit_price_minor: 1_000 };

/**
 * Business rules that generated values break before any id is looked at, made to hold: orders and carts whose
 * lines add up, events in the recent past, windows that start before they end.
 */
function plausible(object: Record<string, unknown>): Record<string, unknown> {
  const out = { ...object };
  const now = Date.now();
  // A checkout commit pays no points (the member's balance is not what this sweep is about).
  if ("expected_payable_minor" in out) delete out.points;
  if (Array.isArray(out.lines)) {
    out.lines = [LINE];
    if ("paid_minor" in out) out.paid_minor = LINE.unit_price_minor;
    delete out.discount_minor;
    delete out.shipping_minor;
  }
  for (const key of Object.keys(out)) {
    if (TIMES_PAST.has(key) && typeof out[key] === "string")
      out[key] = new Date(now - 3_600_000).toISOString();
  }
  for (const [start, end] of [
    ["starts_at", "ends_at"],
    ["starts_at", "due_at"],
    ["applications_open_at", "applications_close_at"],
  ] as const) {
    if (typeof out[start] === "string") out[start] = new Date(now - 86_400_000).toISOString();
    if (typeof out[end] === "string") out[end] = new Date(now + 30 * 86_400_000).toISOString();
  }
  return out;
}

/**
 * `value` (a generated body) with every field that names an object set to `refs`' object of that kind; `filled`
 * lists the JSON pointers set (the same for the same `value` and `path`, whatever `refs`).
 */
export function fillBody(
  value: unknown,
  path: string,
  refs: References,
): { body: unknown; filled: string[] } {
  const filled: string[] = [];
  const m = refs.member;
  let leaves = 0;
  const messaging = path.startsWith("/v1/messages") || path.startsWith("/v1/campaigns");
  const checkout = path.startsWith("/v1/checkout/");
  const referral = /\/referral$/.test(path);
  const orders = path === "/v1/orders" || path === "/v1/orders/batch";
  const forKey = (key: string, parent: string, current: unknown): unknown => {
    switch (key) {
      case "member_id":
        return m.member_id;
      case "member_ids":
        return [m.member_id];
      case "phone":
        return parent === "member" ? m.phone : undefined;
      case "identity":
        return parent === "member" ? m.identity : undefined;
      case "order_id":
        return checkout ? refs.checkoutOrderId() : undefined;
      case "external_id":
        return orders ? m.order_external_id : undefined;
      case "coupons":
        return checkout ? [m.coupon] : Array.isArray(current) ? [refs.couponTemplateCode] : undefined;
      case "code":
        return referral ? m.referral_code : undefined;
      case "store_id":
      case "home_store_id":
      case "org_unit_id":
      case "parent_id":
      case "scope_org_unit_id":
        return refs.store;
      case "stores":
        return [refs.store];
      case "guide_id":
      case "to_guide_id":
        return refs.guide;
      case "tag_id":
        return refs.tag;
      case "tag_ids":
        return [refs.tag];
      case "group_id":
        return refs.tagGroup;
      case "segment_id":
        return refs.segment;
      case "campaign":
        return refs.campaign;
      case "template_id":
        return refs.couponTemplate;
      case "template_code":
        return messaging ? refs.messageTemplateCode : refs.couponTemplateCode;
      case "pack_id":
        return refs.pack;
      case "pack_code":
      case "newcomer_pack":
        return refs.packCode;
      case "plan_id":
        return refs.plan;
      case "tier_id":
        return refs.tier;
      case "tiers":
        return Array.isArray(current) ? [refs.tierCode] : undefined;
      case "reward_code":
        return refs.rewardCode;
      case "coupon_template_code":
      case "coupon_template":
      case "welcome_coupon":
      case "reward_coupon":
      case "coupon":
        return typeof current === "string" ? refs.couponTemplateCode : undefined;
      default:
        return undefined;
    }
  };
  const walk = (node: unknown, pointer: string, parent: string): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`, parent));
    if (node === null || typeof node !== "object") return node;
    const object = plausible(node as Record<string, unknown>);
    // A condition leaf (segments, rule tags, campaign audiences) asks about another's tag or store.
    if (typeof object.field === "string" && typeof object.op === "string") {
      filled.push(`${pointer}/value`);
      return leaves++ % 2 === 0
        ? { field: "tags", op: "has_any", value: [refs.tag] }
        : { field: "member.home_store_id", op: "eq", value: refs.store };
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(object)) {
      // Fields that must agree with the brand or be usable at all, so the request gets to the ids it names.
      const fixed = PLAUSIBLE[key];
      if (fixed !== undefined && typeof child === "string") {
        out[key] = fixed;
        continue;
      }
      // "Exactly one of" the two.
      if (key === "pack_code" && "template_code" in object) continue;
      const replacement = child === undefined ? undefined : forKey(key, parent, child);
      if (replacement !== undefined) {
        filled.push(`${pointer}/${key}`);
        out[key] = replacement;
      } else {
        out[key] = walk(child, `${pointer}/${key}`, key);
      }
    }
    return out;
  };
  return { body: walk(value, "", ""), filled };
}

/**
 * The query parameters of `op` that name an object (`named`), set to `refs`' (`values`); the others are left to
 * their defaults but for the required ones. `variants`: all of them, then (where several name something, as in a
 * lookup by phone, card number or identity) each alone.
 */
export function fillQuery(
  op: ApiOperation,
  refs: References,
  resolve: (ref: string) => JsonSchema,
): { values: Record<string, string>; named: string[]; variants: Record<string, string>[] } {
  const m = refs.member;
  const values: Record<string, string> = {
    member_id: m.member_id,
    store_id: refs.store,
    org_unit_id: refs.store,
    guide_id: refs.guide,
    staff_id: refs.guide,
    campaign_id: refs.campaign,
    group_id: refs.tagGroup,
    phone: m.phone,
    card_no: m.card_no,
    identity_kind: m.identity.kind,
    identity_value: m.identity.value,
    q: m.name,
  };
  const params = queryParameters(op.op);
  const required: Record<string, string> = {};
  for (const p of params.filter((q) => q.required && !(q.name in values))) {
    const [sample] = sampleBodies(p.schema, resolve, 1, 7);
    required[p.name] = typeof sample === "string" ? sample : JSON.stringify(sample);
  }
  const named = params.map((p) => p.name).filter((name) => name in values);
  const variants = [{ ...required, ...Object.fromEntries(named.map((name) => [name, values[name] ?? ""])) }];
  if (named.length > 1) {
    for (const name of named.filter((n) => n !== "identity_kind" && n !== "identity_value"))
      variants.push({ ...required, [name]: values[name] ?? "" });
    if (named.includes("identity_kind"))
      variants.push({ ...required, identity_kind: m.identity.kind, identity_value: m.identity.value });
  }
  return { values: Object.fromEntries(named.map((name) => [name, values[name] ?? ""])), named, variants };
}

export interface Probe {
  method: Method;
  path: string;
  url: string;
  body: unknown;
  /** Which parts of the request name the other side's objects: "path", "query:<name>", "body:<pointer>". */
  names: string[];
}

/** One side of a sweep: ids for the path's parameters and objects for the query and body. */
export interface Side {
  pathIds: (path: string, name: string) => string;
  refs: References;
}

export interface ProbeOptions {
  /** The caller's own objects. */
  own: Side;
  /** The objects the caller must not reach. */
  theirs: Side;
  /** Valid bodies per operation, chosen to cover as many naming fields as possible. */
  bodies: number;
  seed: number;
}

const CANDIDATES = 40;

/**
 * Requests for one operation: everything it names set to theirs (path, query, body); and, inside the caller's own
 * objects, each naming field of the query and of the body set to theirs alone, so a check of one field cannot
 * hide behind a refusal of another (their template refused before their member is looked at).
 */
export function probesOf(doc: OpenApi, operation: ApiOperation, options: ProbeOptions): Probe[] {
  const resolve = resolverOf(doc);
  const { method, path, op } = operation;
  const { own, theirs } = options;
  const ownUrl = fillPath(path, (name) => own.pathIds(path, name));
  const theirUrl = fillPath(path, (name) => theirs.pathIds(path, name));
  const ownQuery = fillQuery(operation, own.refs, resolve);
  const theirQuery = fillQuery(operation, theirs.refs, resolve);
  const differs = (name: string) => ownQuery.values[name] !== theirQuery.values[name];

  let bodies: { own: unknown; theirs: unknown; filled: string[] }[] = [
    { own: undefined, theirs: undefined, filled: [] },
  ];
  const schema = bodySchemaOf(op);
  if (schema) {
    const check = validatorsOf(doc)(`${method} ${path}`, schema);
    const valid = sampleBodies(schema, resolve, CANDIDATES, options.seed)
      .map((sample) => {
        const mine = fillBody(sample, path, own.refs);
        const other = fillBody(sample, path, theirs.refs);
        return { own: mine.body, theirs: other.body, filled: other.filled };
      })
      .filter((b) => check(b.own) && check(b.theirs));
    bodies = pickCovering(valid, options.bodies);
    if (bodies.length === 0) bodies = [{ own: {}, theirs: {}, filled: [] }];
  }

  const probes: Probe[] = [];
  const seen = new Set<string>();
  const add = (url: string, body: unknown, names: string[]) => {
    const key = `${url} ${JSON.stringify(body)}`;
    if (seen.has(key)) return;
    seen.add(key);
    probes.push({ method, path, url, body, names });
  };
  // Everything theirs.
  for (const body of bodies) {
    for (const query of theirQuery.variants) {
      add(theirUrl + queryString(query), body.theirs, [
        ...(theirUrl !== ownUrl ? ["path"] : []),
        ...Object.keys(query)
          .filter((name) => theirQuery.named.includes(name) && differs(name))
          .map((name) => `query:${name}`),
        ...body.filled.filter((p) => !sameAt(body.theirs, body.own, p)).map((p) => `body:${p}`),
      ]);
    }
  }
  // One field theirs at a time, in the caller's own objects.
  const ownBase = ownQuery.variants[0] ?? {};
  for (const name of ownQuery.named.filter(differs)) {
    add(ownUrl + queryString({ ...ownBase, [name]: theirQuery.values[name] }), bodies[0]?.own, [
      `query:${name}`,
    ]);
  }
  const shapes = new Set<string>();
  for (const body of bodies) {
    for (const pointer of body.filled) {
      const shape = pointer.replace(/\/\d+/g, "/*");
      const value = valueAt(body.theirs, pointer);
      if (shapes.has(shape) || sameAt(body.theirs, body.own, pointer)) continue;
      shapes.add(shape);
      let probe = setAt(body.own, pointer, value);
      // Each commit of the caller's own is a new order.
      if (path === "/v1/checkout/commit" && pointer !== "/order_id")
        probe = setAt(probe, "/order_id", own.refs.checkoutOrderId());
      add(ownUrl + queryString(ownBase), probe, [`body:${pointer}`]);
    }
  }
  return probes;
}

function sameAt(a: unknown, b: unknown, pointer: string): boolean {
  return JSON.stringify(valueAt(a, pointer)) === JSON.stringify(valueAt(b, pointer));
}

function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const key of pointer.split("/").slice(1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setAt(value: unknown, pointer: string, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = pointer.split("/").slice(1);
  const last = keys.pop();
  let node: unknown = copy;
  for (const key of keys) node = (node as Record<string, unknown>)[key];
  if (last !== undefined) (node as Record<string, unknown>)[last] = replacement;
  return copy;
}

/** Up to `count` of `candidates`, each adding the most fields not yet covered (ties: the earlier). */
function pickCovering<T extends { filled: string[] }>(candidates: T[], count: number): T[] {
  const shape = (p: string) => p.replace(/\/\d+/g, "/*");
  const covered = new Set<string>();
  const chosen: T[] = [];
  const left = [...candidates];
  while (chosen.length < count && left.length > 0) {
    let best = 0;
    let bestGain = -1;
    left.forEach((c, i) => {
      const gain = new Set(c.filled.map(shape).filter((p) => !covered.has(p))).size;
      if (gain > bestGain) [best, bestGain] = [i, gain];
    });
    const [pick] = left.splice(best, 1);
    if (!pick) break;
    chosen.push(pick);
    for (const p of pick.filled) covered.add(shape(p));
  }
  return chosen;
}

/** Every operation the sweeps call: the public ones (a credential changes nothing there) and logging out aside. */
export function sweptOperations(operations: ApiOperation[]): ApiOperation[] {
  return operations.filter((o) => !isPublic(o.op) && o.path !== "/v1/auth/logout");
}

/** Changes that would spoil later requests of a sweep (deleting, erasing, merging, ending) go last. */
export function destructiveLast(operations: ApiOperation[]): ApiOperation[] {
  const destructive = (o: ApiOperation) =>
    o.method === "DELETE" ||
    /\/(erasure|merge|cancel|revoke|end|handover|remove|rotate-secret)$/.test(o.path);
  return [...operations.filter((o) => !destructive(o)), ...operations.filter(destructive)];
}

export async function send(h: Harness, probe: Probe, token: string): Promise<ApiResponse> {
  return h.api(probe.method, probe.url, { token, ...(probe.body === undefined ? {} : { body: probe.body }) });
}

/**
 * Watches answers for strings that belong to the other side:
 * - personal data (names, emails, card numbers) comes back only in the answer to a request that sent it;
 * - business keys (phones, external order ids, checkout order ids, identities, codes) also after a write that sent
 *   them succeeded: the caller may hold the same key for its own (its own member with that phone);
 * - ids also after a write that sent them succeeded and kept them (echoed them, not as `not_found`): the caller
 *   may keep a foreign id in a filter that then matches nothing of its own (a dangling reference, not a leak).
 * `accepted` lists those writes.
 */
export class Exposure {
  private readonly known = new Set<string>();
  private readonly personal: string[];
  private readonly keys: string[];
  private readonly ids: string[];
  readonly accepted = new Map<string, Set<string>>();

  constructor(strings: { personal: string[]; keys: string[]; ids: string[] }) {
    this.personal = strings.personal;
    this.keys = strings.keys;
    this.ids = strings.ids;
  }

  check(probe: Probe, res: ApiResponse): void {
    if (res.status < 200 || res.status >= 300) return;
    const sent = `${probe.url} ${JSON.stringify(probe.body ?? "")}`;
    this.expectAbsent(res.text, sent, describeProbe(probe, res));
    if (probe.method === "GET") return;
    const refused = new Set(notFound(res.text));
    const kept = [
      ...this.keys.filter((k) => sent.includes(k)),
      ...this.ids.filter((i) => sent.includes(i) && res.text.includes(i) && !refused.has(i)),
    ];
    for (const value of kept) {
      this.known.add(value);
      const key = `${probe.method} ${probe.path}`;
      this.accepted.set(key, (this.accepted.get(key) ?? new Set()).add(value));
    }
  }

  /** `text` holds none of the other side's strings that `sent` (what the caller sent with it) did not hold. */
  expectAbsent(text: string, sent: string, where: string): void {
    for (const secret of this.personal) {
      if (!sent.includes(secret))
        expect(text, `${where}: answers with their ${secret}`).not.toContain(secret);
    }
    for (const secret of [...this.keys, ...this.ids]) {
      if (!sent.includes(secret) && !this.known.has(secret))
        expect(text, `${where}: answers with their ${secret}`).not.toContain(secret);
    }
  }
}

/** The ids a batch answer lists as not found (refused one by one), if it is one. */
export function notFound(text: string): string[] {
  try {
    const body = JSON.parse(text) as { not_found?: unknown };
    return Array.isArray(body.not_found) ? body.not_found.map(String) : [];
  } catch {
    return [];
  }
}

export function describeProbe(probe: Probe, res: ApiResponse): string {
  const body = probe.body === undefined ? "" : ` body=${JSON.stringify(probe.body).slice(0, 400)}`;
  return `${probe.method} ${probe.url}${body} → ${res.status} ${res.text.slice(0, 400)}`;
}

/**
 * What a set of read-only requests answers, to compare before and after a sweep. Answers that change between two
 * readings with nothing done in between (a clock in the body, a last-used time) are left out of the comparison.
 */
export class Snapshot {
  private readonly stable: Map<string, string>;
  private readonly read: () => Promise<Map<string, string>>;
  readonly volatile: string[];

  private constructor(
    read: () => Promise<Map<string, string>>,
    first: Map<string, string>,
    second: Map<string, string>,
  ) {
    this.read = read;
    this.volatile = [...first.keys()].filter((k) => first.get(k) !== second.get(k));
    this.stable = second;
    for (const key of this.volatile) this.stable.delete(key);
  }

  static async take(h: Harness, reads: { url: string; token: string }[]): Promise<Snapshot> {
    const read = async () => {
      const answers = new Map<string, string>();
      for (const { url, token } of reads) {
        const res = await h.api("GET", url, { token });
        answers.set(url, `${res.status} ${res.text.replace(/"request_id":"[^"]*"/g, "")}`);
      }
      return answers;
    };
    return new Snapshot(read, await read(), await read());
  }

  get size(): number {
    return this.stable.size;
  }

  /** Every answer as it was: `expect`s each. */
  async expectUnchanged(what: string): Promise<void> {
    const now = await this.read();
    for (const [url, before] of this.stable) {
      expect(now.get(url), `${what}: GET ${url} changed`).toBe(before);
    }
  }

  /** The full text of the answers (for looking for strings that must not be there). */
  async texts(): Promise<Map<string, string>> {
    return this.read();
  }
}
