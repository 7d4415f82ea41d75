// The monthly member day (`PUT /v1/engagement/member-day`, read with the engagement settings): a day of the month
// on which orders earn a points multiple, and coupons only members can claim that day. The API keeps a "Member
// day" earn rule in step with it (listed on Earn rules).
import { Col, Form, Row, Select } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { NumberField, optionsOf, SwitchField, useCouponCodes } from "./fields.tsx";

interface MemberDay {
  enabled: boolean;
  day_of_month: number;
  points_multiplier: number;
  coupons: string[];
  earn_rule_id: string | null;
}
type MemberDayForm = Omit<MemberDay, "earn_rule_id">;

export function MemberDayForm() {
  const { t } = useI18n();
  const { api } = useConsole();
  // Member day coupons are templates (claimed one by one), not packs.
  const templates = optionsOf(useCouponCodes().filter((c) => c.kind === "template"));
  return (
    <SettingsForm<MemberDay, MemberDayForm>
      title={t("set.memberDay.title")}
      intro={t("set.memberDay.intro")}
      testId="settings-member-day"
      load={() => api.get<{ member_day: MemberDay }>("/v1/engagement/settings").then((s) => s.member_day)}
      toForm={({ earn_rule_id: _rule, ...day }) => day}
      save={(v) => api.put<MemberDay>("/v1/engagement/member-day", { ...v, coupons: v.coupons ?? [] })}
      fields={["enabled", "day_of_month", "points_multiplier", "coupons"]}
      // `coupons.2: no coupon template X` names one of the list: it is shown under the list.
      aliases={{ "coupons.*": "coupons" }}
    >
      {() => (
        <Row gutter={16}>
          <Col span={4}>
            <SwitchField
              name="enabled"
              label={t("set.memberDay.enabled")}
              help={t("set.memberDay.enabledHelp")}
            />
          </Col>
          <Col span={5}>
            <NumberField
              name="day_of_month"
              label={t("set.memberDay.day")}
              help={t("set.memberDay.dayHelp")}
              min={1}
              max={28}
            />
          </Col>
          <Col span={5}>
            <NumberField
              name="points_multiplier"
              label={t("set.memberDay.multiplier")}
              help={t("set.memberDay.multiplierHelp")}
              min={1}
              max={10}
              precision={2}
              unit="×"
            />
          </Col>
          <Col span={10}>
            <Form.Item
              name="coupons"
              label={t("set.memberDay.coupons")}
              extra={t("set.memberDay.couponsHelp")}
              rules={[{ type: "array", max: 10, message: t("set.memberDay.couponsMax") }]}
            >
              <Select mode="multiple" allowClear showSearch optionFilterProp="label" options={templates} />
            </Form.Item>
          </Col>
        </Row>
      )}
    </SettingsForm>
  );
}
