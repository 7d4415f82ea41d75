// A coupon template as the API stores it (src/coupons/schemas.ts) and as the console's form holds it: money in
// yuan on the form, integer minor units (fen) to the API; the benefit, conditions and validity as tagged objects.
import type { Dayjs } from "dayjs";

export type Benefit =
  | { kind: "amount_off"; amount_minor: number }
  | { kind: "percent_off"; percent: number; max_discount_minor?: number }
  | { kind: "nth_item"; nth: number; percent: number; max_applications?: number }
  | { kind: "free_item"; skus: string[]; quantity: number; max_value_minor?: number }
  | { kind: "free_shipping"; max_minor?: number }
  | { kind: "fixed_price"; skus: string[]; price_minor: number; max_units?: number };
export type BenefitKind = Benefit["kind"];

export const BENEFIT_KINDS: readonly BenefitKind[] = [
  "amount_off",
  "percent_off",
  "nth_item",
  "free_item",
  "free_shipping",
  "fixed_price",
];

/** The lists a template can be limited to; absent means "any". */
export const CONDITION_LISTS = ["skus", "categories", "exclude_skus", "channels", "stores", "tiers"] as const;
type ConditionList = (typeof CONDITION_LISTS)[number];
export type Conditions = Partial<Record<ConditionList, string[]>> & { min_spend_minor?: number };

export type Validity =
  | { kind: "fixed"; starts_at: string; ends_at: string }
  | { kind: "relative"; days: number; starts_after_days?: number };

export interface StoredTemplate {
  template_id: string;
  code: string;
  name: string;
  description: string | null;
  benefit: Benefit;
  conditions: Conditions;
  validity: Validity;
  stacking: { group: string; exclusive: boolean; with_member_discount: boolean };
  max_issued: number | null;
  budget_minor: number | null;
  per_member_limit: number | null;
  claimable: boolean;
  staff_issuable: boolean;
  active: boolean;
  created_at: string;
}

export type TemplateForm = Partial<Record<ConditionList, string[]>> & {
  code: string;
  name: string;
  description?: string;
  benefit_kind: BenefitKind;
  amount_yuan?: number;
  percent?: number;
  max_discount_yuan?: number;
  nth?: number;
  max_applications?: number;
  /** The gift SKUs of a free item, or the SKUs a fixed price sells: the benefit's own `skus`. */
  benefit_skus?: string[];
  quantity?: number;
  max_value_yuan?: number;
  max_shipping_yuan?: number;
  price_yuan?: number;
  max_units?: number;
  min_spend_yuan?: number;
  validity_kind: Validity["kind"];
  days?: number;
  starts_after_days?: number;
  window?: [Dayjs, Dayjs];
  max_issued?: number;
  budget_yuan?: number;
  per_member_limit?: number;
  stacking_group?: string;
  exclusive: boolean;
  with_member_discount: boolean;
  staff_issuable: boolean;
  claimable: boolean;
  /** Edit only: false stops issuing. */
  active?: boolean;
};

export const INITIAL_TEMPLATE: Partial<TemplateForm> = {
  benefit_kind: "amount_off",
  validity_kind: "relative",
  days: 30,
  exclusive: false,
  with_member_discount: true,
  staff_issuable: true,
  claimable: false,
};

/** Every field of the form, for placing the API's problems (only those on screen take one). */
export const TEMPLATE_FIELDS = [
  ..."code name description benefit_kind amount_yuan percent max_discount_yuan nth max_applications".split(
    " ",
  ),
  ..."benefit_skus quantity max_value_yuan max_shipping_yuan price_yuan max_units".split(" "),
  ...CONDITION_LISTS,
  ..."min_spend_yuan validity_kind days starts_after_days window max_issued budget_yuan".split(" "),
  ..."per_member_limit stacking_group exclusive with_member_discount staff_issuable claimable active".split(
    " ",
  ),
];

/** API field → form field where the last part of the API's name is not the form's. The benefit's and the
 * validity's `kind` stay unplaced on purpose: a union lists "must be equal to constant" for every other kind. */
export const TEMPLATE_ALIASES = {
  "benefit.amount_minor": "amount_yuan",
  "benefit.max_discount_minor": "max_discount_yuan",
  "benefit.skus": "benefit_skus",
  "benefit.max_value_minor": "max_value_yuan",
  "benefit.max_minor": "max_shipping_yuan",
  "benefit.price_minor": "price_yuan",
  "conditions.min_spend_minor": "min_spend_yuan",
  validity: "window",
  "validity.starts_at": "window",
  "validity.ends_at": "window",
  budget_minor: "budget_yuan",
  "stacking.group": "stacking_group",
};

const toMinor = (yuan: number | null | undefined) =>
  yuan === undefined || yuan === null ? undefined : Math.round(yuan * 100);
const toYuan = (minor: number | null | undefined) =>
  minor === undefined || minor === null ? undefined : minor / 100;
/** `{key: value}` when there is a value, `{}` when the field was left empty. */
function given<K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> {
  return value === undefined || value === null || value === "" ? {} : ({ [key]: value } as Record<K, V>);
}

function benefitOf(v: TemplateForm): Benefit {
  switch (v.benefit_kind) {
    case "amount_off":
      return { kind: "amount_off", amount_minor: toMinor(v.amount_yuan) ?? 0 };
    case "percent_off":
      return {
        kind: "percent_off",
        percent: v.percent ?? 0,
        ...given("max_discount_minor", toMinor(v.max_discount_yuan)),
      };
    case "nth_item":
      return {
        kind: "nth_item",
        nth: v.nth ?? 0,
        percent: v.percent ?? 0,
        ...given("max_applications", v.max_applications),
      };
    case "free_item":
      return {
        kind: "free_item",
        skus: v.benefit_skus ?? [],
        quantity: v.quantity ?? 0,
        ...given("max_value_minor", toMinor(v.max_value_yuan)),
      };
    case "free_shipping":
      return { kind: "free_shipping", ...given("max_minor", toMinor(v.max_shipping_yuan)) };
    case "fixed_price":
      return {
        kind: "fixed_price",
        skus: v.benefit_skus ?? [],
        price_minor: toMinor(v.price_yuan) ?? 0,
        ...given("max_units", v.max_units),
      };
  }
}

function validityOf(v: TemplateForm): Validity {
  if (v.validity_kind === "fixed" && v.window) {
    // Whole days in the operator's time zone: from the first day's start to the last day's end.
    return {
      kind: "fixed",
      starts_at: v.window[0].startOf("day").toISOString(),
      ends_at: v.window[1].endOf("day").toISOString(),
    };
  }
  return {
    kind: "relative",
    days: v.days ?? 0,
    ...given("starts_after_days", v.starts_after_days || undefined),
  };
}

/** The create form as `POST /v1/coupon-templates`: empty lists and limits are left out (they mean "any"). */
export function templateBody(v: TemplateForm) {
  const conditions: Conditions = {
    ...Object.fromEntries(CONDITION_LISTS.flatMap((k) => (v[k]?.length ? [[k, v[k]]] : []))),
    ...given("min_spend_minor", toMinor(v.min_spend_yuan) || undefined),
  };
  return {
    code: v.code,
    name: v.name,
    ...given("description", v.description?.trim()),
    benefit: benefitOf(v),
    ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
    validity: validityOf(v),
    stacking: {
      ...given("group", v.stacking_group?.trim()),
      exclusive: v.exclusive,
      with_member_discount: v.with_member_discount,
    },
    ...given("max_issued", v.max_issued),
    ...given("budget_minor", toMinor(v.budget_yuan)),
    ...given("per_member_limit", v.per_member_limit),
    staff_issuable: v.staff_issuable,
    claimable: v.claimable,
  };
}

/** What `PATCH /v1/coupon-templates/{id}` may change, every one of them: an emptied limit is sent as cleared. */
export function templatePatch(v: TemplateForm) {
  return {
    name: v.name,
    description: v.description?.trim() || null,
    max_issued: v.max_issued ?? null,
    budget_minor: toMinor(v.budget_yuan) ?? null,
    per_member_limit: v.per_member_limit ?? null,
    staff_issuable: v.staff_issuable,
    claimable: v.claimable,
    active: v.active ?? true,
  };
}

/** A stored template as the edit form: the fields its PATCH changes, which the edit drawer shows in full. */
export function templateEdit(tpl: StoredTemplate): Partial<TemplateForm> {
  return {
    code: tpl.code,
    name: tpl.name,
    ...given("description", tpl.description),
    ...given("max_issued", tpl.max_issued),
    ...given("budget_yuan", toYuan(tpl.budget_minor)),
    ...given("per_member_limit", tpl.per_member_limit),
    staff_issuable: tpl.staff_issuable,
    claimable: tpl.claimable,
    active: tpl.active,
  };
}
