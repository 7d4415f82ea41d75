// The tag form in the API's terms: a rule tag's builder rows become its condition, and a stored tag becomes a
// form again for an edit (a condition the builder cannot show as rows is left as it is).
import type { BuilderState } from "./ConditionBuilder.tsx";
import { type Condition, conditionOf } from "./conditions.ts";
import { type ProductRow, productsBody } from "./ProductRows.tsx";

export type TagKind = "manual" | "rule" | "product_lifecycle" | "scene" | "keyword";
export const FORM_KINDS: readonly TagKind[] = ["manual", "rule", "product_lifecycle", "scene", "keyword"];
export const PRODUCT_STAGES = ["first_purchase", "repurchase", "used_up"] as const;
export type ProductStage = (typeof PRODUCT_STAGES)[number];

export interface StoredTag {
  tag_id: string;
  name: string;
  kind: string;
  group_id: string | null;
  members?: number;
  definition?: {
    condition?: Condition;
    scene_keys?: string[];
    keywords?: string[];
    stage?: ProductStage;
    products?: ProductRow[];
  };
  expires_after_days?: number | null;
}

export interface TagForm {
  group_id: string;
  name: string;
  kind: TagKind;
  expires_after_days?: number | null;
  scene_keys?: string[];
  keywords?: string[];
  condition?: BuilderState;
  stage?: ProductStage;
  products?: ProductRow[];
}

export const TAG_FIELDS = [
  "group_id",
  "name",
  "kind",
  "expires_after_days",
  "scene_keys",
  "keywords",
  "condition",
  "stage",
  "products",
];

/** The kind's own fields, for a create (`editing` false) or a PATCH (`editing` true); a condition the form did
 * not show (`withCondition` false) is not sent. */
export function tagBody(v: TagForm, editing: boolean, withCondition = true): Record<string, unknown> {
  const definition = {
    ...(v.kind === "rule" && v.condition && withCondition
      ? { condition: conditionOf(v.condition.rows, v.condition.join) }
      : {}),
    ...(v.kind === "scene" ? { scene_keys: v.scene_keys } : {}),
    ...(v.kind === "keyword" ? { keywords: v.keywords } : {}),
    ...(v.kind === "product_lifecycle" ? { stage: v.stage, products: productsBody(v.products) } : {}),
  };
  if (editing) return { name: v.name, expires_after_days: v.expires_after_days ?? null, ...definition };
  return {
    group_id: v.group_id,
    name: v.name,
    kind: v.kind,
    ...(v.expires_after_days ? { expires_after_days: v.expires_after_days } : {}),
    ...definition,
  };
}

const text = (value: string | number | boolean | (string | number)[] | undefined): string =>
  Array.isArray(value) ? value.join(",") : value === undefined ? "" : String(value);

/** A condition as builder rows, when it is one level of leaves joined by all or any. */
export function builderOf(condition: Condition | undefined): BuilderState | undefined {
  if (!condition) return undefined;
  const join = "all" in condition ? "all" : "any" in condition ? "any" : undefined;
  const items: Condition[] =
    join === "all" && "all" in condition ? condition.all : "any" in condition ? condition.any : [condition];
  const rows = items.flatMap((c) =>
    "field" in c ? [{ field: c.field, op: c.op, value: text(c.value) }] : [],
  );
  if (rows.length === 0 || rows.length !== items.length) return undefined;
  return { join: join ?? "all", rows };
}

export function toTagForm(tag: StoredTag): TagForm {
  const condition = builderOf(tag.definition?.condition);
  return {
    group_id: tag.group_id ?? "",
    name: tag.name,
    kind: FORM_KINDS.includes(tag.kind as TagKind) ? (tag.kind as TagKind) : "manual",
    expires_after_days: tag.expires_after_days ?? null,
    ...(tag.definition?.scene_keys ? { scene_keys: tag.definition.scene_keys } : {}),
    ...(tag.definition?.keywords ? { keywords: tag.definition.keywords } : {}),
    ...(tag.definition?.stage ? { stage: tag.definition.stage } : {}),
    ...(tag.definition?.products ? { products: tag.definition.products.map((p) => ({ ...p })) } : {}),
    ...(condition ? { condition } : {}),
  };
}
