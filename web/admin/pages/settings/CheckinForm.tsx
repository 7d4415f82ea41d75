// Daily check-in (`/v1/engagement/settings`, section `checkin`, replaced whole): points per check-in, rewards
// for streaks (a row each) and making up a missed day for points.
import { Button, Col, Divider, Form, Row, Select } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { NumberField, optionsOf, SwitchField, useCouponCodes } from "./fields.tsx";

export interface Reward {
  points: number;
  coupon: string | null;
}
export interface CheckinSettings {
  enabled: boolean;
  daily_points: number;
  streak_rewards: (Reward & { days: number })[];
  makeup: { enabled: boolean; cost_points: number; max_days_back: number; max_per_month: number };
}
interface Engagement {
  checkin: CheckinSettings;
}
type CheckinForm = Engagement;

const MAKEUP = ["cost_points", "max_days_back", "max_per_month"] as const;

export function CheckinForm() {
  const { t } = useI18n();
  const { api } = useConsole();
  const codes = optionsOf(useCouponCodes());
  return (
    <SettingsForm<Engagement, CheckinForm>
      title={t("set.checkin.title")}
      intro={t("set.checkin.intro")}
      testId="settings-checkin"
      load={() => api.get<Engagement>("/v1/engagement/settings")}
      toForm={(s) => ({ checkin: s.checkin })}
      save={(v) =>
        api.patch<Engagement>("/v1/engagement/settings", {
          checkin: {
            ...v.checkin,
            streak_rewards: (v.checkin.streak_rewards ?? []).map((r) => ({ ...r, coupon: r.coupon ?? null })),
          },
        })
      }
      // `checkin` itself lets a row's problem (`checkin.streak_rewards.1.days`) land on that row; every field
      // under it is on screen, so nothing is placed out of sight.
      fields={[
        "checkin",
        "checkin.enabled",
        "checkin.daily_points",
        ...MAKEUP.map((f) => `checkin.makeup.${f}`),
      ]}
    >
      {() => (
        <>
          <Row gutter={16}>
            <Col span={8}>
              <SwitchField
                name={["checkin", "enabled"]}
                label={t("set.checkin.enabled")}
                help={t("set.checkin.enabledHelp")}
              />
            </Col>
            <Col span={8}>
              <NumberField
                name={["checkin", "daily_points"]}
                label={t("set.checkin.daily")}
                help={t("set.checkin.dailyHelp")}
                min={0}
                max={1_000_000}
              />
            </Col>
          </Row>
          <Divider titlePlacement="start">{t("set.checkin.streaks")}</Divider>
          <Form.List name={["checkin", "streak_rewards"]}>
            {(rows, { add, remove }) => (
              <>
                {rows.map((row) => (
                  <Row gutter={8} key={row.key}>
                    <Col span={6}>
                      <NumberField
                        name={[row.name, "days"]}
                        label={t("set.checkin.streakDays")}
                        help={t("set.checkin.streakDaysHelp")}
                        min={2}
                        max={366}
                        unit={t("set.days")}
                      />
                    </Col>
                    <Col span={6}>
                      <NumberField
                        name={[row.name, "points"]}
                        label={t("set.reward.points")}
                        help={t("set.reward.pointsHelp")}
                        min={0}
                        max={1_000_000}
                      />
                    </Col>
                    <Col span={9}>
                      <Form.Item
                        name={[row.name, "coupon"]}
                        label={t("set.reward.coupon")}
                        extra={t("set.reward.couponHelp")}
                      >
                        <Select allowClear showSearch optionFilterProp="label" options={codes} />
                      </Form.Item>
                    </Col>
                    <Col span={3} style={{ paddingTop: 30 }}>
                      <Button size="small" onClick={() => remove(row.name)}>
                        {t("common.remove")}
                      </Button>
                    </Col>
                  </Row>
                ))}
                {rows.length < 20 && (
                  <Button onClick={() => add({ days: undefined, points: 0, coupon: null })}>
                    {t("set.checkin.addStreak")}
                  </Button>
                )}
              </>
            )}
          </Form.List>
          <Divider titlePlacement="start">{t("set.checkin.makeup")}</Divider>
          <Row gutter={16}>
            <Col span={6}>
              <SwitchField
                name={["checkin", "makeup", "enabled"]}
                label={t("set.checkin.makeupOn")}
                help={t("set.checkin.makeupOnHelp")}
              />
            </Col>
            <Col span={6}>
              <NumberField
                name={["checkin", "makeup", "cost_points"]}
                label={t("set.checkin.cost")}
                help={t("set.checkin.costHelp")}
                min={0}
                max={1_000_000}
              />
            </Col>
            <Col span={6}>
              <NumberField
                name={["checkin", "makeup", "max_days_back"]}
                label={t("set.checkin.daysBack")}
                help={t("set.checkin.daysBackHelp")}
                min={1}
                max={31}
                unit={t("set.days")}
              />
            </Col>
            <Col span={6}>
              <NumberField
                name={["checkin", "makeup", "max_per_month"]}
                label={t("set.checkin.perMonth")}
                help={t("set.checkin.perMonthHelp")}
                min={0}
                max={31}
              />
            </Col>
          </Row>
        </>
      )}
    </SettingsForm>
  );
}
