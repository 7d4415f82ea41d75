// Invite a friend (`/v1/engagement/settings`, section `referral`, replaced whole): how long a newcomer may name
// an inviter, the rewards when they join and on their first order, and a monthly cap on an inviter's rewards.
import { Col, Divider, Form, Row, Select } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import type { Reward } from "./CheckinForm.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import {
  ChoiceField,
  NumberField,
  optionsOf,
  SwitchField,
  toMinor,
  toYuan,
  useCouponCodes,
} from "./fields.tsx";

interface Pair {
  inviter: Reward;
  invitee: Reward;
}
interface ReferralSettings {
  enabled: boolean;
  bind_window_days: number;
  on_join: Pair;
  on_first_order: Pair & { min_paid_minor: number; when: "created" | "completed" };
  max_rewarded_per_inviter_per_month: number;
}
interface Engagement {
  referral: ReferralSettings;
}
interface ReferralForm {
  referral: Omit<ReferralSettings, "on_first_order"> & {
    on_first_order: Pair & { min_paid_yuan: number; when: "created" | "completed" };
  };
}

const PAIRS = ["on_join", "on_first_order"] as const;
const SIDES = ["inviter", "invitee"] as const;
const reward = (r: Reward): Reward => ({ points: r.points, coupon: r.coupon ?? null });

export function ReferralForm() {
  const { t } = useI18n();
  const { api } = useConsole();
  const codes = optionsOf(useCouponCodes());
  return (
    <SettingsForm<Engagement, ReferralForm>
      title={t("set.referral.title")}
      intro={t("set.referral.intro")}
      testId="settings-referral"
      load={() => api.get<Engagement>("/v1/engagement/settings")}
      toForm={({ referral: { on_first_order: first, ...rest } }) => ({
        referral: {
          ...rest,
          on_first_order: {
            inviter: first.inviter,
            invitee: first.invitee,
            when: first.when,
            min_paid_yuan: toYuan(first.min_paid_minor),
          },
        },
      })}
      save={({ referral: { on_first_order: first, ...rest } }) =>
        api.patch<Engagement>("/v1/engagement/settings", {
          referral: {
            ...rest,
            on_join: { inviter: reward(rest.on_join.inviter), invitee: reward(rest.on_join.invitee) },
            on_first_order: {
              inviter: reward(first.inviter),
              invitee: reward(first.invitee),
              min_paid_minor: toMinor(first.min_paid_yuan),
              when: first.when,
            },
          },
        })
      }
      fields={[
        "referral.enabled",
        "referral.bind_window_days",
        "referral.max_rewarded_per_inviter_per_month",
        "referral.on_first_order.min_paid_yuan",
        "referral.on_first_order.when",
        ...PAIRS.flatMap((p) =>
          SIDES.flatMap((s) => [`referral.${p}.${s}.points`, `referral.${p}.${s}.coupon`]),
        ),
      ]}
      aliases={{ "referral.on_first_order.min_paid_minor": "referral.on_first_order.min_paid_yuan" }}
    >
      {() => (
        <>
          <Row gutter={16}>
            <Col span={8}>
              <SwitchField
                name={["referral", "enabled"]}
                label={t("set.referral.enabled")}
                help={t("set.referral.enabledHelp")}
              />
            </Col>
            <Col span={8}>
              <NumberField
                name={["referral", "bind_window_days"]}
                label={t("set.referral.bindWindow")}
                help={t("set.referral.bindWindowHelp")}
                min={0}
                max={90}
                unit={t("set.days")}
              />
            </Col>
            <Col span={8}>
              <NumberField
                name={["referral", "max_rewarded_per_inviter_per_month"]}
                label={t("set.referral.cap")}
                help={t("set.referral.capHelp")}
                min={0}
                max={10_000}
              />
            </Col>
          </Row>
          {PAIRS.map((pair) => (
            <div key={pair}>
              <Divider titlePlacement="start">{t(`set.referral.${pair}`)}</Divider>
              <Row gutter={16}>
                {SIDES.map((side) => (
                  <Col span={12} key={side}>
                    <Row gutter={8}>
                      <Col span={10}>
                        <NumberField
                          name={["referral", pair, side, "points"]}
                          label={t(`set.referral.${side}Points`)}
                          help={t("set.reward.pointsHelp")}
                          min={0}
                          max={1_000_000}
                        />
                      </Col>
                      <Col span={14}>
                        <Form.Item
                          name={["referral", pair, side, "coupon"]}
                          label={t(`set.referral.${side}Coupon`)}
                          extra={t("set.reward.couponHelp")}
                        >
                          <Select allowClear showSearch optionFilterProp="label" options={codes} />
                        </Form.Item>
                      </Col>
                    </Row>
                  </Col>
                ))}
              </Row>
            </div>
          ))}
          <Row gutter={16}>
            <Col span={12}>
              <NumberField
                name={["referral", "on_first_order", "min_paid_yuan"]}
                label={t("set.referral.minPaid")}
                help={t("set.referral.minPaidHelp")}
                min={0}
                precision={2}
                unit="¥"
              />
            </Col>
            <Col span={12}>
              <ChoiceField
                name={["referral", "on_first_order", "when"]}
                label={t("set.referral.when")}
                help={t("set.referral.whenHelp")}
                options={(["created", "completed"] as const).map((w) => ({
                  value: w,
                  label: t(`set.referral.when.${w}`),
                }))}
              />
            </Col>
          </Row>
        </>
      )}
    </SettingsForm>
  );
}
