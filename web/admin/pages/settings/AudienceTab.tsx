// Audience settings (`/v1/audience/settings`): the lifecycle stage thresholds, the RFM window and what makes a
// member important; below, the products' consumption cycles, which the API keeps on product-lifecycle tags.
import { Col, Divider, Row, Space } from "antd";
import { useI18n } from "../../../shared/i18n.tsx";
import { useConsole } from "../../session.tsx";
import { ConsumptionCycles } from "./ConsumptionCycles.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { NumberField } from "./fields.tsx";

interface AudienceSettings {
  rfm_window_days: number;
  stages: { new_days: number; silent_days: number; lost_days: number };
  important: { min_r_score: number; min_f_score: number; min_m_score: number };
}

const STAGES = ["new_days", "silent_days", "lost_days"] as const;
const SCORES = ["min_r_score", "min_f_score", "min_m_score"] as const;

export function AudienceTab() {
  const { t } = useI18n();
  const { api } = useConsole();
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <SettingsForm<AudienceSettings, AudienceSettings>
        title={t("set.audience.title")}
        intro={t("set.audience.intro")}
        testId="settings-audience"
        load={() => api.get<AudienceSettings>("/v1/audience/settings")}
        toForm={(s) => s}
        // The stages' order (new ≤ silent < lost) is the API's rule: its 422 lands under the field it names.
        save={(v) => api.patch<AudienceSettings>("/v1/audience/settings", v)}
        fields={[
          "rfm_window_days",
          ...STAGES.map((s) => `stages.${s}`),
          ...SCORES.map((s) => `important.${s}`),
        ]}
      >
        {() => (
          <>
            <Row gutter={16}>
              {STAGES.map((stage) => (
                <Col span={8} key={stage}>
                  <NumberField
                    name={["stages", stage]}
                    label={t(`set.audience.${stage}`)}
                    help={t(`set.audience.${stage}Help`)}
                    min={1}
                    max={3650}
                    unit={t("set.days")}
                  />
                </Col>
              ))}
            </Row>
            <Divider />
            <Row gutter={16}>
              <Col span={6}>
                <NumberField
                  name="rfm_window_days"
                  label={t("set.audience.rfmWindow")}
                  help={t("set.audience.rfmWindowHelp")}
                  min={7}
                  max={3650}
                  unit={t("set.days")}
                />
              </Col>
              {SCORES.map((score) => (
                <Col span={6} key={score}>
                  <NumberField
                    name={["important", score]}
                    label={t(`set.audience.${score}`)}
                    help={t(`set.audience.${score}Help`)}
                    min={1}
                    max={5}
                  />
                </Col>
              ))}
            </Row>
          </>
        )}
      </SettingsForm>
      <ConsumptionCycles />
    </Space>
  );
}
