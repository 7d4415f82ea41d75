/**
 * Earn rules as data and their pure evaluation: an order and its member's context in, the points and growth
 * value it earns out, each part naming the rule that produced it. No IO, no clock.
 */

/** When a rule applies. Every given field must match; an absent field matches anything. */
export interface EarnCondition {
  channels?: string[];
  stores?: string[];
  /** Line-level: only lines of these categories / SKUs count. */
  categories?: string[];
  skus?: string[];
  /** Tier codes the member must hold. */
  tiers?: string[];
  /** 1 = Monday … 7 = Sunday, in the brand's time zone. */
  weekdays?: number[];
  /** Days of the month, e.g. [8] for a member day on the 8th. */
  days_of_month?: number[];
  /** The order's merchandise paid (after discounts, before shipping) must reach this. */
  min_paid_minor?: number;
}

export type EarnRuleDefinition =
  /** So many points (and growth) per `unit_minor` paid, e.g. 1 point per 100 fen. First matching base rule per line wins. */
  | {
      kind: "base";
      points_per_unit: number;
      growth_per_unit: number;
      unit_minor: number;
      priority?: number;
      when?: EarnCondition;
    }
  /** Extra points on matching lines: factor 2 doubles the base points (additive with other multipliers). */
  | { kind: "multiplier"; factor: number; when?: EarnCondition }
  /** A fixed bonus per order, optionally only for the member's first purchase. */
  | { kind: "bonus"; points: number; growth?: number; first_purchase_only?: boolean; when?: EarnCondition }
  /** Limits on what orders earn: per order, and per member per brand-local day. */
  | { kind: "cap"; max_points_per_order?: number; max_points_per_day?: number };

export interface EarnRule {
  rule_id: string;
  name: string;
  definition: EarnRuleDefinition;
  starts_at: Date | null;
  ends_at: Date | null;
}

export interface EarnLine {
  sku: string;
  category: string | null;
  quantity: number;
  unit_price_minor: number;
  discount_minor: number;
}

export interface EarnOrder {
  channel: string;
  store_id: string | null;
  ordered_at: Date;
  lines: EarnLine[];
  discount_minor: number;
  /** Merchandise paid: items minus discounts, excluding shipping. */
  basis_minor: number;
}

export interface EarnContext {
  /** Calendar facts of `ordered_at` in the brand's time zone. */
  weekday: number;
  day_of_month: number;
  tier_code: string | null;
  /** The tier's points multiplier benefit (1 = none). */
  tier_multiplier: number;
  is_first_purchase: boolean;
  /** Points this member already earned from orders on the same brand-local day. */
  points_earned_today: number;
}

export interface EarnDecision {
  rule_id: string;
  rule_name: string;
  kind: "base" | "multiplier" | "tier" | "bonus" | "cap";
  points: number;
  growth: number;
}

export interface EarnResult {
  points: number;
  growth: number;
  decisions: EarnDecision[];
}

/** Spreads the order-level discount over lines in proportion to their net, to the fen (largest remainder). */
export function lineBases(order: EarnOrder): number[] {
  const nets = order.lines.map((l) => l.quantity * l.unit_price_minor - l.discount_minor);
  const totalNet = nets.reduce((a, b) => a + b, 0);
  if (totalNet <= 0) return nets.map(() => 0);
  const discount = Math.min(order.discount_minor, totalNet);
  const shares = nets.map((n) => (n * discount) / totalNet);
  const floors = shares.map(Math.floor);
  let left = discount - floors.reduce((a, b) => a + b, 0);
  const order_ = shares.map((s, i) => ({ i, frac: s - Math.floor(s) })).sort((a, b) => b.frac - a.frac);
  for (const { i } of order_) {
    if (left <= 0) break;
    floors[i] = (floors[i] ?? 0) + 1;
    left--;
  }
  return nets.map((n, i) => n - (floors[i] ?? 0));
}

function orderMatches(when: EarnCondition | undefined, order: EarnOrder, context: EarnContext): boolean {
  if (!when) return true;
  if (when.channels && !when.channels.includes(order.channel)) return false;
  if (when.stores && (order.store_id === null || !when.stores.includes(order.store_id))) return false;
  if (when.tiers && (context.tier_code === null || !when.tiers.includes(context.tier_code))) return false;
  if (when.weekdays && !when.weekdays.includes(context.weekday)) return false;
  if (when.days_of_month && !when.days_of_month.includes(context.day_of_month)) return false;
  if (when.min_paid_minor !== undefined && order.basis_minor < when.min_paid_minor) return false;
  return true;
}

function lineMatches(when: EarnCondition | undefined, line: EarnLine): boolean {
  if (!when) return true;
  if (when.categories && (line.category === null || !when.categories.includes(line.category))) return false;
  if (when.skus && !when.skus.includes(line.sku)) return false;
  return true;
}

function inEffect(rule: EarnRule, at: Date): boolean {
  return (!rule.starts_at || rule.starts_at <= at) && (!rule.ends_at || at < rule.ends_at);
}

/**
 * What an order earns. Base points come from the first matching base rule per line (by priority); multipliers
 * and the tier multiplier add base × (factor − 1) each; bonuses add fixed points; caps then trim, taking from
 * bonuses first, then multipliers, then base. Growth value follows spend: base rules and bonuses only.
 */
export function evaluateEarnings(order: EarnOrder, context: EarnContext, rules: EarnRule[]): EarnResult {
  const live = rules.filter((r) => inEffect(r, order.ordered_at));
  const bases = lineBases(order);
  const baseRules = live
    .filter(
      (r): r is EarnRule & { definition: Extract<EarnRuleDefinition, { kind: "base" }> } =>
        r.definition.kind === "base",
    )
    .filter((r) => orderMatches(r.definition.when, order, context))
    .sort(
      (a, b) =>
        (a.definition.priority ?? 100) - (b.definition.priority ?? 100) || a.rule_id.localeCompare(b.rule_id),
    );

  // Exact (fractional) base points per line, and which base rule earned them.
  const exactPoints = order.lines.map(() => 0);
  // Per rule, the integer basis (fen) it earned on: points are computed from it once, so fractions of many lines
  // are not lost to floating-point sums (1,438,800 fen at 1 per 100 must give exactly 14,388).
  const perRule = new Map<string, { rule: (typeof baseRules)[number]; basis: number }>();
  order.lines.forEach((line, i) => {
    const rule = baseRules.find((r) => lineMatches(r.definition.when, line));
    if (!rule) return;
    const d = rule.definition;
    const basis = bases[i] ?? 0;
    exactPoints[i] = (basis * d.points_per_unit) / d.unit_minor;
    const entry = perRule.get(rule.rule_id) ?? { rule, basis: 0 };
    entry.basis += basis;
    perRule.set(rule.rule_id, entry);
  });

  const decisions: EarnDecision[] = [];
  for (const { rule, basis } of perRule.values()) {
    const d = rule.definition;
    const points = (basis * d.points_per_unit) / d.unit_minor;
    const growth = (basis * d.growth_per_unit) / d.unit_minor;
    decisions.push({
      rule_id: rule.rule_id,
      rule_name: rule.name,
      kind: "base",
      points: Math.floor(points + 1e-9),
      growth: Math.floor(growth + 1e-9),
    });
  }
  for (const rule of live) {
    const d = rule.definition;
    if (d.kind !== "multiplier" || !orderMatches(d.when, order, context)) continue;
    const matching = order.lines.reduce(
      (sum, line, i) => sum + (lineMatches(d.when, line) ? (exactPoints[i] ?? 0) : 0),
      0,
    );
    const extra = Math.floor(matching * (d.factor - 1) + 1e-9);
    if (extra > 0)
      decisions.push({
        rule_id: rule.rule_id,
        rule_name: rule.name,
        kind: "multiplier",
        points: extra,
        growth: 0,
      });
  }
  if (context.tier_multiplier > 1 && context.tier_code) {
    const all = exactPoints.reduce((a, b) => a + b, 0);
    const extra = Math.floor(all * (context.tier_multiplier - 1) + 1e-9);
    if (extra > 0) {
      decisions.push({
        rule_id: `tier:${context.tier_code}`,
        rule_name: `${context.tier_code} tier multiplier`,
        kind: "tier",
        points: extra,
        growth: 0,
      });
    }
  }
  for (const rule of live) {
    const d = rule.definition;
    if (d.kind !== "bonus" || !orderMatches(d.when, order, context)) continue;
    if (d.first_purchase_only && !context.is_first_purchase) continue;
    decisions.push({
      rule_id: rule.rule_id,
      rule_name: rule.name,
      kind: "bonus",
      points: d.points,
      growth: d.growth ?? 0,
    });
  }

  applyCaps(decisions, context, live);
  const kept = decisions.filter((d) => d.points > 0 || d.growth > 0);
  return {
    points: kept.reduce((a, d) => a + d.points, 0),
    growth: kept.reduce((a, d) => a + d.growth, 0),
    decisions: kept,
  };
}

const TRIM_ORDER: EarnDecision["kind"][] = ["bonus", "multiplier", "tier", "base"];

function applyCaps(decisions: EarnDecision[], context: EarnContext, rules: EarnRule[]): void {
  let limit = Number.POSITIVE_INFINITY;
  for (const rule of rules) {
    const d = rule.definition;
    if (d.kind !== "cap") continue;
    if (d.max_points_per_order !== undefined) limit = Math.min(limit, d.max_points_per_order);
    if (d.max_points_per_day !== undefined)
      limit = Math.min(limit, Math.max(0, d.max_points_per_day - context.points_earned_today));
  }
  let excess = decisions.reduce((a, d) => a + d.points, 0) - limit;
  if (excess <= 0) return;
  for (const kind of TRIM_ORDER) {
    for (let i = decisions.length - 1; i >= 0 && excess > 0; i--) {
      const decision = decisions[i];
      if (!decision || decision.kind !== kind) continue;
      const cut = Math.min(decision.points, excess);
      decision.points -= cut;
      excess -= cut;
    }
  }
}
