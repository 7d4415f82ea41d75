// The tier ladder's settings (`/v1/tier-program`): the window growth is counted in, the grace after a failed
// review and how many tiers one review may lower a member. The tiers themselves are on the Tiers page.
import { Col, Row } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { ChoiceField, NumberField } from "./fields.tsx";

interface TierProgram {
  window: "calendar_year" | "rolling_12_months";
  grace_days: number;
  max_steps_down: number;
}

export function TierProgramTab() {
  const { t } = useI18n();
  const { api } = useConsole();
  return (
    <SettingsForm<TierProgram, TierProgram>
      title={t("set.tiers.title")}
      intro={t("set.tiers.intro")}
      testId="settings-tiers"
      load={() => api.get<TierProgram>("/v1/tier-program")}
      toForm={(s) => s}
      save={(v) => api.patch<TierProgram>("/v1/tier-program", v)}
      fields={["window", "grace_days", "max_steps_down"]}
    >
      {() => (
        <Row gutter={16}>
          <Col span={8}>
            <ChoiceField
              name="window"
              label={t("set.tiers.window")}
              help={t("set.tiers.windowHelp")}
              options={(["calendar_year", "rolling_12_months"] as const).map((w) => ({
                value: w,
                label: t(`set.tiers.window.${w}`),
              }))}
            />
          </Col>
          <Col span={8}>
            <NumberField
              name="grace_days"
              label={t("set.tiers.grace")}
              help={t("set.tiers.graceHelp")}
              min={0}
              max={365}
              unit={t("set.days")}
            />
          </Col>
          <Col span={8}>
            <NumberField
              name="max_steps_down"
              label={t("set.tiers.stepsDown")}
              help={t("set.tiers.stepsDownHelp")}
              min={1}
              max={20}
            />
          </Col>
        </Row>
      )}
    </SettingsForm>
  );
}
