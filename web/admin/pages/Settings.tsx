// The brand's settings, one tab per settings document the API keeps (points program, tier ladder, audience,
// messaging, engagement, coupons): each tab loads the current values, checks them and saves them, with the API's
// problems under the field they name. The tab is in the address, so a reload stays on it.
import { Space, Tabs, Typography } from "antd";
import { useSearchParams } from "react-router";
import { useI18n } from "../../shared/i18n.tsx";
import { AudienceTab } from "./settings/AudienceTab.tsx";
import { CouponSettingsTab } from "./settings/CouponSettingsTab.tsx";
import { EngagementTab } from "./settings/EngagementTab.tsx";
import { MessagingTab } from "./settings/MessagingTab.tsx";
import { PointsProgramTab } from "./settings/PointsProgramTab.tsx";
import { TierProgramTab } from "./settings/TierProgramTab.tsx";

const TABS = ["points", "tiers", "audience", "messaging", "engagement", "coupons"] as const;
type Tab = (typeof TABS)[number];

export default function Settings() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: Tab = TABS.find((k) => k === asked) ?? "points";
  const panes: Record<Tab, () => React.JSX.Element> = {
    points: PointsProgramTab,
    tiers: TierProgramTab,
    audience: AudienceTab,
    messaging: MessagingTab,
    engagement: EngagementTab,
    coupons: CouponSettingsTab,
  };
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("nav.settings")}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams(key === "points" ? {} : { tab: key }, { replace: true })}
        // Only the open tab is mounted: each loads its document when opened, and a reopened tab shows it afresh.
        destroyOnHidden
        items={TABS.map((key) => {
          const Pane = panes[key];
          return { key, label: t(`set.tab.${key}`), children: <Pane /> };
        })}
      />
    </Space>
  );
}
