// Field rows shared by the settings tabs: a number in bounds (days, hours, points, yuan) and an on / off switch,
// each with a line of help under it. Bounds are the API schema's, checked before sending.
import { Form, InputNumber, Select, Switch } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import type { CouponTemplate } from "../../../shared/types.ts";
import { useLoad } from "../../../shared/useLoad.ts";
import { useConsole } from "../../session.tsx";

/** A field's name: `grace_days`, or a path into the document (`["stages", "silent_days"]`, a list row). */
type NamePath = string | number | (string | number)[];

export function NumberField(props: {
  name: NamePath;
  label: string;
  help: string;
  min: number;
  max?: number;
  /** Digits after the point: 2 for yuan, 0 (the default) for days, points and counts. */
  precision?: number;
  unit?: string;
  required?: boolean;
}) {
  const { t } = useI18n();
  const range =
    props.max === undefined
      ? t("set.atLeast", { min: props.min })
      : t("set.between", { min: props.min, max: props.max });
  return (
    <Form.Item
      name={props.name}
      label={props.label}
      extra={props.help}
      rules={[
        { required: props.required ?? true, message: t("set.required") },
        {
          type: "number",
          min: props.min,
          ...(props.max !== undefined ? { max: props.max } : {}),
          message: range,
        },
      ]}
    >
      {/* No min / max on the input itself: it would clamp silently where the operator should be told. */}
      <InputNumber
        precision={props.precision ?? 0}
        style={{ width: "100%" }}
        {...(props.unit ? { suffix: props.unit } : {})}
      />
    </Form.Item>
  );
}

export function SwitchField(props: { name: NamePath; label: string; help: string }) {
  return (
    <Form.Item name={props.name} label={props.label} extra={props.help} valuePropName="checked">
      <Switch />
    </Form.Item>
  );
}

export function ChoiceField<V extends string>(props: {
  name: NamePath;
  label: string;
  help: string;
  options: readonly { value: V; label: string }[];
}) {
  return (
    <Form.Item name={props.name} label={props.label} extra={props.help} rules={[{ required: true }]}>
      <Select options={props.options.map((o) => ({ value: o.value, label: o.label }))} />
    </Form.Item>
  );
}

/** Coupon templates and packs by code: what an engagement reward, member day or the newcomer pack names. */
export function useCouponCodes(): { value: string; label: string; kind: "template" | "pack" }[] {
  const { api } = useConsole();
  const loaded = useLoad(
    () =>
      Promise.all([
        api.get<{ items: CouponTemplate[] }>("/v1/coupon-templates"),
        api.get<{ items: { code: string; name: string }[] }>("/v1/coupon-packs"),
      ]),
    [],
  );
  const [templates, packs] = loaded.data ?? [{ items: [] }, { items: [] }];
  const option = (kind: "template" | "pack") => (c: { code: string; name: string }) => ({
    value: c.code,
    label: `${c.name} (${c.code})`,
    kind,
  });
  return [...templates.items.map(option("template")), ...packs.items.map(option("pack"))];
}

/** Select options of some codes (the kind is the hook's, not the select's). */
export const optionsOf = (codes: readonly { value: string; label: string }[]) =>
  codes.map(({ value, label }) => ({ value, label }));

/** Yuan typed in a form as integer minor units (fen) for the API, and back. */
export const toMinor = (yuan: number) => Math.round(yuan * 100);
export const toYuan = (minor: number) => minor / 100;
