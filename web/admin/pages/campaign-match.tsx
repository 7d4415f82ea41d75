// An event trigger's payload `match` as rows: a payload field, the kind of value and the value (a list: any of
// them will do). The API compares with ===, so "3" and 3 differ: the row says which one is meant.
import { Button, Col, Form, Input, InputNumber, Row, Select, Typography } from "antd";
import { useI18n } from "../../shared/i18n.tsx";

export type MatchType = "text" | "number" | "boolean" | "texts" | "numbers";
export const MATCH_TYPES: readonly MatchType[] = ["text", "number", "boolean", "texts", "numbers"];

export interface MatchRow {
  field: string;
  type: MatchType;
  text?: string;
  number?: number;
  flag?: boolean;
  list?: string[];
}

export type MatchValue = string | number | boolean | (string | number)[];

/** The API's limits: at most ten fields, named in lower case, strings of up to 200, lists of up to 100. */
const MAX_FIELDS = 10;
const FIELD_PATTERN = /^[a-z_]{1,40}$/;

export function matchOf(rows: readonly MatchRow[]): Record<string, MatchValue> {
  return Object.fromEntries(
    rows.map((row): [string, MatchValue] => {
      switch (row.type) {
        case "number":
          return [row.field, row.number ?? 0];
        case "boolean":
          return [row.field, row.flag ?? false];
        case "texts":
          return [row.field, row.list ?? []];
        case "numbers":
          return [row.field, (row.list ?? []).map(Number)];
        default:
          return [row.field, row.text ?? ""];
      }
    }),
  );
}

/** Where the API's problem with `trigger.match.<field>` goes: the value of the row naming that field. */
export function matchAliases(rows: readonly (MatchRow | undefined)[]): Record<string, string> {
  const aliases: Record<string, string> = {};
  rows.forEach((row, index) => {
    if (!row?.field) return;
    const value =
      row.type === "number"
        ? "number"
        : row.type === "boolean"
          ? "flag"
          : row.type === "text"
            ? "text"
            : "list";
    aliases[`trigger.match.${row.field}`] = `match.${index}.${value}`;
  });
  return aliases;
}

/** A stored match as rows, or undefined when a value has no row to show it (a list mixing text and numbers). */
export function rowsOf(match: Readonly<Record<string, unknown>>): MatchRow[] | undefined {
  const rows: MatchRow[] = [];
  for (const [field, value] of Object.entries(match)) {
    if (typeof value === "string" && value !== "") rows.push({ field, type: "text", text: value });
    else if (typeof value === "number" && Number.isFinite(value))
      rows.push({ field, type: "number", number: value });
    else if (typeof value === "boolean") rows.push({ field, type: "boolean", flag: value });
    else if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((v) => typeof v === "string" && v !== "")
    )
      rows.push({ field, type: "texts", list: value as string[] });
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number"))
      rows.push({ field, type: "numbers", list: value.map(String) });
    else return undefined;
  }
  return rows;
}

function ValueField(props: { name: number; type: MatchType | undefined }) {
  const { t } = useI18n();
  const label = t("cmp.matchValue");
  switch (props.type) {
    case "number":
      return (
        <Form.Item name={[props.name, "number"]} label={label} rules={[{ required: true }]}>
          <InputNumber style={{ width: "100%" }} />
        </Form.Item>
      );
    case "boolean":
      return (
        <Form.Item name={[props.name, "flag"]} label={label} rules={[{ required: true }]}>
          <Select
            options={[
              { value: true, label: "true" },
              { value: false, label: "false" },
            ]}
          />
        </Form.Item>
      );
    case "texts":
    case "numbers": {
      const numbers = props.type === "numbers";
      return (
        <Form.Item
          name={[props.name, "list"]}
          label={label}
          extra={t("cmp.matchListHelp")}
          rules={[
            { required: true },
            { type: "array", max: 100 },
            {
              validator: (_, list: string[] | undefined) =>
                (list ?? []).every((v) =>
                  numbers ? v.trim() !== "" && Number.isFinite(Number(v)) : v.length <= 200,
                )
                  ? Promise.resolve()
                  : Promise.reject(new Error(t(numbers ? "cmp.matchNumbers" : "cmp.matchLong"))),
            },
          ]}
        >
          <Select mode="tags" tokenSeparators={[","]} />
        </Form.Item>
      );
    }
    default:
      return (
        <Form.Item name={[props.name, "text"]} label={label} rules={[{ required: true }, { max: 200 }]}>
          <Input />
        </Form.Item>
      );
  }
}

/** The rows of `match`, under the event they narrow; a field named twice is refused before sending. */
export function MatchRows(props: { types: (MatchType | undefined)[] }) {
  const { t } = useI18n();
  return (
    <Form.List name="match">
      {(fields, { add, remove }, { errors }) => (
        <div style={{ marginBottom: 16 }}>
          <Typography.Text type="secondary">{t("cmp.matchHelp")}</Typography.Text>
          {fields.map((field, index) => (
            <Row
              key={field.key}
              gutter={8}
              align="top"
              data-testid={`match-${index}`}
              style={{ marginTop: 8 }}
            >
              <Col span={8}>
                <Form.Item
                  name={[field.name, "field"]}
                  label={t("cmp.matchField")}
                  rules={[
                    { required: true },
                    { pattern: FIELD_PATTERN, message: t("cmp.matchFieldRule") },
                    ({ getFieldValue }) => ({
                      validator: (_, name: string | undefined) => {
                        const rows = (getFieldValue("match") as (MatchRow | undefined)[] | undefined) ?? [];
                        return rows.filter((r) => r?.field === name).length > 1
                          ? Promise.reject(new Error(t("cmp.matchTwice")))
                          : Promise.resolve();
                      },
                    }),
                  ]}
                >
                  <Input placeholder="streak_days" />
                </Form.Item>
              </Col>
              <Col span={6}>
                <Form.Item name={[field.name, "type"]} label={t("cmp.matchType")}>
                  <Select options={MATCH_TYPES.map((k) => ({ value: k, label: t(`cmp.matchType.${k}`) }))} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <ValueField name={field.name} type={props.types[index]} />
              </Col>
              <Col span={2} style={{ paddingTop: 30 }}>
                <Button size="small" aria-label={t("cmp.matchRemove")} onClick={() => remove(field.name)}>
                  ×
                </Button>
              </Col>
            </Row>
          ))}
          <Form.ErrorList errors={errors} />
          <Button
            size="small"
            disabled={fields.length >= MAX_FIELDS}
            onClick={() => add({ type: "text" })}
            style={{ marginTop: 8 }}
          >
            {t("cmp.matchAdd")}
          </Button>
        </div>
      )}
    </Form.List>
  );
}
