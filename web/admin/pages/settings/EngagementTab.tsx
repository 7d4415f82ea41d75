// Engagement settings: daily check-in, invite a friend (both `/v1/engagement/settings`, each section saved whole)
// and the member day (its own PUT route, as it keeps an earn rule in step). One card and one Save each.
import { Space } from "antd";
import { CheckinForm } from "./CheckinForm.tsx";
import { MemberDayForm } from "./MemberDayForm.tsx";
import { ReferralForm } from "./ReferralForm.tsx";

export function EngagementTab() {
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <CheckinForm />
      <ReferralForm />
      <MemberDayForm />
    </Space>
  );
}
