// The points program (`/v1/points/program`): how long order points stay pending, when lots expire, what a refund
// of spent points does, unmatched orders. Points as payment (rate and cap) are the coupon settings' (Coupons tab).
import { Col, Form, Input, Row } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { ChoiceField, NumberField, SwitchField } from "./fields.tsx";

type Expiry =
  | { kind: "never" }
  | { kind: "rolling_days"; days: number }
  | { kind: "period_end"; period: "month" | "quarter" | "year"; periods_after: number }
  | { kind: "fixed_date"; date: string };
export interface PointsProgram {
  return_window_days: number;
  expiry: Expiry;
  refund_policy: "negative_balance" | "clamp";
  unmatched_orders: "create_prospect" | "hold";
  expiring_soon_days: number;
  earn_before_join: boolean;
}
/** The expiry's fields side by side; only the chosen kind's are shown and sent. */
interface ProgramForm extends Omit<PointsProgram, "expiry"> {
  expiry: {
    kind: Expiry["kind"];
    days?: number;
    period?: "month" | "quarter" | "year";
    periods_after?: number;
    date?: string;
  };
}

const KIND_FIELDS: Record<Expiry["kind"], string[]> = {
  never: [],
  rolling_days: ["expiry.days"],
  period_end: ["expiry.period", "expiry.periods_after"],
  fixed_date: ["expiry.date"],
};
const FIELDS = [
  "return_window_days",
  "refund_policy",
  "unmatched_orders",
  "expiring_soon_days",
  "earn_before_join",
];

function expiryOf(e: ProgramForm["expiry"]): Expiry {
  if (e.kind === "rolling_days") return { kind: e.kind, days: e.days ?? 0 };
  if (e.kind === "period_end")
    return { kind: e.kind, period: e.period ?? "year", periods_after: e.periods_after ?? 0 };
  if (e.kind === "fixed_date") return { kind: e.kind, date: e.date ?? "" };
  return { kind: "never" };
}

export function PointsProgramTab() {
  const { t } = useI18n();
  const { api } = useConsole();
  return (
    <SettingsForm<PointsProgram, ProgramForm>
      title={t("set.points.title")}
      intro={t("set.points.intro")}
      testId="settings-points"
      load={() => api.get<PointsProgram>("/v1/points/program")}
      toForm={(s) => ({ ...s, expiry: { ...s.expiry } })}
      save={(v) => api.patch<PointsProgram>("/v1/points/program", { ...v, expiry: expiryOf(v.expiry) })}
      // Only the chosen kind's fields take problems: the schema's other kinds complain about fields not on screen.
      fields={(v) => [...FIELDS, ...KIND_FIELDS[v.expiry.kind]]}
    >
      {() => (
        <>
          <Row gutter={16}>
            <Col span={12}>
              <NumberField
                name="return_window_days"
                label={t("set.points.returnWindow")}
                help={t("set.points.returnWindowHelp")}
                min={0}
                max={90}
                unit={t("set.days")}
              />
            </Col>
            <Col span={12}>
              <NumberField
                name="expiring_soon_days"
                label={t("set.points.expiringSoon")}
                help={t("set.points.expiringSoonHelp")}
                min={1}
                max={365}
                unit={t("set.days")}
              />
            </Col>
          </Row>
          <Row gutter={16}>
            <Col span={8}>
              <ChoiceField
                name={["expiry", "kind"]}
                label={t("set.points.expiry")}
                help={t("set.points.expiryHelp")}
                options={(["never", "rolling_days", "period_end", "fixed_date"] as const).map((k) => ({
                  value: k,
                  label: t(`set.points.expiry.${k}`),
                }))}
              />
            </Col>
            <ExpiryFields />
          </Row>
          <Row gutter={16}>
            <Col span={12}>
              <ChoiceField
                name="refund_policy"
                label={t("set.points.refund")}
                help={t("set.points.refundHelp")}
                options={(["negative_balance", "clamp"] as const).map((p) => ({
                  value: p,
                  label: t(`set.points.refund.${p}`),
                }))}
              />
            </Col>
            <Col span={12}>
              <ChoiceField
                name="unmatched_orders"
                label={t("set.points.unmatched")}
                help={t("set.points.unmatchedHelp")}
                options={(["create_prospect", "hold"] as const).map((p) => ({
                  value: p,
                  label: t(`set.points.unmatched.${p}`),
                }))}
              />
            </Col>
          </Row>
          <SwitchField
            name="earn_before_join"
            label={t("set.points.earnBeforeJoin")}
            help={t("set.points.earnBeforeJoinHelp")}
          />
        </>
      )}
    </SettingsForm>
  );
}

/** The chosen expiry kind's own fields. */
function ExpiryFields() {
  const { t } = useI18n();
  const kind = Form.useWatch(["expiry", "kind"], Form.useFormInstance<ProgramForm>());
  if (kind === "rolling_days")
    return (
      <Col span={16}>
        <NumberField
          name={["expiry", "days"]}
          label={t("set.points.expiryDays")}
          help={t("set.points.expiryDaysHelp")}
          min={1}
          max={3650}
          unit={t("set.days")}
        />
      </Col>
    );
  if (kind === "period_end")
    return (
      <>
        <Col span={8}>
          <ChoiceField
            name={["expiry", "period"]}
            label={t("set.points.period")}
            help={t("set.points.periodHelp")}
            options={(["month", "quarter", "year"] as const).map((p) => ({
              value: p,
              label: t(`set.period.${p}`),
            }))}
          />
        </Col>
        <Col span={8}>
          <NumberField
            name={["expiry", "periods_after"]}
            label={t("set.points.periodsAfter")}
            help={t("set.points.periodsAfterHelp")}
            min={0}
            max={20}
          />
        </Col>
      </>
    );
  if (kind === "fixed_date")
    return (
      <Col span={16}>
        <Form.Item
          name={["expiry", "date"]}
          label={t("set.points.expiryDate")}
          extra={t("set.points.expiryDateHelp")}
          rules={[{ required: true, message: t("set.required") }]}
        >
          <Input type="date" />
        </Form.Item>
      </Col>
    );
  return null;
}
