// Coupon and checkout settings (`/v1/coupon-settings`): the newcomer pack, how long a checkout holds coupons and
// points, points as payment (the rate and the share of an order they may pay) and what a cancellation gives back.
import { Col, Divider, Form, Row, Select } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { NumberField, optionsOf, SwitchField, toMinor, toYuan, useCouponCodes } from "./fields.tsx";

interface PointsPayment {
  enabled: boolean;
  points_per_unit: number;
  unit_minor: number;
  max_percent: number;
}
interface CouponSettings {
  newcomer_pack: string | null;
  hold_minutes: number;
  points_payment: PointsPayment;
  cancel_restores_coupons: boolean;
  cancel_restores_points: boolean;
}
interface CouponSettingsForm extends Omit<CouponSettings, "points_payment"> {
  points_payment: Omit<PointsPayment, "unit_minor"> & { unit_yuan: number };
}

export function CouponSettingsTab() {
  const { t } = useI18n();
  const { api } = useConsole();
  const packs = optionsOf(useCouponCodes().filter((c) => c.kind === "pack"));
  return (
    <SettingsForm<CouponSettings, CouponSettingsForm>
      title={t("set.coupons.title")}
      intro={t("set.coupons.intro")}
      testId="settings-coupons"
      load={() => api.get<CouponSettings>("/v1/coupon-settings")}
      toForm={({ points_payment: { unit_minor, ...pay }, ...s }) => ({
        ...s,
        points_payment: { ...pay, unit_yuan: toYuan(unit_minor) },
      })}
      save={({ points_payment: { unit_yuan, ...pay }, ...v }) =>
        api.patch<CouponSettings>("/v1/coupon-settings", {
          ...v,
          newcomer_pack: v.newcomer_pack ?? null,
          points_payment: { ...pay, unit_minor: toMinor(unit_yuan) },
        })
      }
      fields={[
        "newcomer_pack",
        "hold_minutes",
        "cancel_restores_coupons",
        "cancel_restores_points",
        "points_payment.enabled",
        "points_payment.points_per_unit",
        "points_payment.unit_yuan",
        "points_payment.max_percent",
      ]}
      aliases={{ "points_payment.unit_minor": "points_payment.unit_yuan" }}
    >
      {() => (
        <>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item
                name="newcomer_pack"
                label={t("set.coupons.newcomer")}
                extra={t("set.coupons.newcomerHelp")}
              >
                <Select
                  allowClear
                  showSearch
                  optionFilterProp="label"
                  options={packs}
                  placeholder={t("set.coupons.noPack")}
                />
              </Form.Item>
            </Col>
            <Col span={12}>
              <NumberField
                name="hold_minutes"
                label={t("set.coupons.hold")}
                help={t("set.coupons.holdHelp")}
                min={1}
                max={1440}
                unit={t("set.minutes")}
              />
            </Col>
          </Row>
          <Divider titlePlacement="start">{t("set.coupons.pointsPayment")}</Divider>
          <Row gutter={16}>
            <Col span={6}>
              <SwitchField
                name={["points_payment", "enabled"]}
                label={t("set.coupons.payOn")}
                help={t("set.coupons.payOnHelp")}
              />
            </Col>
            <Col span={6}>
              <NumberField
                name={["points_payment", "points_per_unit"]}
                label={t("set.coupons.points")}
                help={t("set.coupons.pointsHelp")}
                min={1}
                max={1_000_000}
              />
            </Col>
            <Col span={6}>
              <NumberField
                name={["points_payment", "unit_yuan"]}
                label={t("set.coupons.pay")}
                help={t("set.coupons.payHelp")}
                min={0.01}
                max={10_000}
                precision={2}
                unit="¥"
              />
            </Col>
            <Col span={6}>
              <NumberField
                name={["points_payment", "max_percent"]}
                label={t("set.coupons.maxPercent")}
                help={t("set.coupons.maxPercentHelp")}
                min={0}
                max={100}
                unit="%"
              />
            </Col>
          </Row>
          <Divider titlePlacement="start">{t("set.coupons.cancel")}</Divider>
          <Row gutter={16}>
            <Col span={12}>
              <SwitchField
                name="cancel_restores_coupons"
                label={t("set.coupons.restoreCoupons")}
                help={t("set.coupons.restoreCouponsHelp")}
              />
            </Col>
            <Col span={12}>
              <SwitchField
                name="cancel_restores_points"
                label={t("set.coupons.restorePoints")}
                help={t("set.coupons.restorePointsHelp")}
              />
            </Col>
          </Row>
        </>
      )}
    </SettingsForm>
  );
}
