// Rows of field / operator / value, joined by "all" or "any": writes the condition language for segments and
// member filters, and shows the API's problem next to the row at fault.
import { Button, Input, Select, Space, Typography } from "antd";
import { useI18n } from "../../shared/i18n.tsx";
import { type ConditionRow, FIELDS, fieldSpec, needsValue, OPERATORS } from "./conditions.ts";

export interface BuilderState {
  join: "all" | "any";
  rows: ConditionRow[];
}

export const EMPTY_BUILDER: BuilderState = {
  join: "all",
  rows: [{ field: "orders.count", op: "gte", value: "3" }],
};

export function ConditionBuilder(props: {
  value: BuilderState;
  onChange: (next: BuilderState) => void;
  /** Problems keyed like `condition.all.1.value` (from fieldErrors). */
  errors?: Record<string, string>;
}) {
  const { t } = useI18n();
  const { join, rows } = props.value;
  const update = (index: number, patch: Partial<ConditionRow>) =>
    props.onChange({ join, rows: rows.map((row, i) => (i === index ? { ...row, ...patch } : row)) });
  const rowError = (index: number) =>
    Object.entries(props.errors ?? {}).find(([key]) => key.startsWith(`condition.${join}.${index}`))?.[1];
  return (
    <Space orientation="vertical" style={{ width: "100%" }} data-testid="condition-builder">
      <Space>
        <Typography.Text>{t("cond.match")}</Typography.Text>
        <Select
          value={join}
          style={{ width: 160 }}
          onChange={(value) => props.onChange({ join: value, rows })}
          options={[
            { value: "all", label: t("cond.all") },
            { value: "any", label: t("cond.any") },
          ]}
        />
      </Space>
      {rows.map((row, index) => {
        const spec = fieldSpec(row.field);
        const error = rowError(index);
        return (
          <div key={index}>
            <Space wrap>
              <Select
                showSearch
                value={row.field}
                style={{ width: 240 }}
                onChange={(field) =>
                  update(index, { field, op: OPERATORS[fieldSpec(field).type][0] ?? "eq", value: "" })
                }
                options={FIELDS.map((f) => ({ value: f.field, label: f.field }))}
              />
              <Select
                value={row.op}
                style={{ width: 170 }}
                onChange={(op) => update(index, { op })}
                options={OPERATORS[spec.type].map((op) => ({ value: op, label: op }))}
              />
              {needsValue(row.op) &&
                (spec.values ? (
                  <Select
                    mode={row.op === "in" || row.op === "not_in" ? "multiple" : undefined}
                    value={
                      row.op === "in" || row.op === "not_in"
                        ? row.value.split(",").filter(Boolean)
                        : row.value
                    }
                    style={{ width: 260 }}
                    onChange={(value: string | string[]) =>
                      update(index, { value: Array.isArray(value) ? value.join(",") : value })
                    }
                    options={spec.values.map((v) => ({ value: v, label: v }))}
                  />
                ) : spec.type === "boolean" ? (
                  <Select
                    value={row.value}
                    style={{ width: 120 }}
                    onChange={(value) => update(index, { value })}
                    options={[
                      { value: "true", label: "true" },
                      { value: "false", label: "false" },
                    ]}
                  />
                ) : (
                  <Input
                    value={row.value}
                    style={{ width: 220 }}
                    status={error ? "error" : undefined}
                    onChange={(e) => update(index, { value: e.target.value })}
                    aria-label={`${row.field} value`}
                  />
                ))}
              <Button
                disabled={rows.length === 1}
                onClick={() => props.onChange({ join, rows: rows.filter((_, i) => i !== index) })}
              >
                {t("common.remove")}
              </Button>
            </Space>
            {error && <Typography.Text type="danger">{error}</Typography.Text>}
          </div>
        );
      })}
      <Button
        onClick={() =>
          props.onChange({ join, rows: [...rows, { field: "orders.count", op: "gte", value: "" }] })
        }
      >
        {t("cond.addRow")}
      </Button>
    </Space>
  );
}
