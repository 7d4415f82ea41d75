// A campaign's dry run: who it would reach now and what it would cost, changing nothing
// (GET /v1/campaigns/{id}/dry-run): the funnel from audience to treated, the estimate, and a sample of members.
import { Alert, Descriptions, Modal, Space, Spin, Typography } from "antd";
import { Link } from "react-router";
import { errorText } from "../../shared/api.ts";
import { money } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";

interface DryRun {
  audience: number;
  truncated: boolean;
  already_reached: number;
  capped: number;
  would_reach: number;
  holdout: number;
  treated: number;
  sample_member_ids: string[];
  per_member: { coupons: number; points: number; messages: number; coupon_value_minor: number };
  estimated: {
    coupons: number;
    points: number;
    messages: number;
    coupon_value_minor: number;
    coupons_of_unbounded_value: number;
  };
  budget_covers: number | null;
}

export function CampaignDryRun(props: { campaignId: string; name: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const run = useLoad(() => api.get<DryRun>(`/v1/campaigns/${props.campaignId}/dry-run`), [props.campaignId]);
  const d = run.data;
  return (
    <Modal
      open
      width={720}
      title={t("cmp.dryRunOf", { name: props.name })}
      onCancel={props.onClose}
      footer={null}
    >
      <Typography.Paragraph type="secondary">{t("cmp.dryRunHelp")}</Typography.Paragraph>
      {run.error !== undefined && <Alert type="error" title={errorText(run.error)} />}
      {!d ? (
        run.error === undefined && <Spin />
      ) : (
        <Space orientation="vertical" style={{ width: "100%" }}>
          {d.truncated && <Alert type="warning" title={t("cmp.dryRunTruncated")} />}
          <Descriptions bordered size="small" column={2} data-testid="dry-run">
            <Descriptions.Item label={t("cmp.dryAudience")}>{d.audience}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryAlready")}>{d.already_reached}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryWouldReach")}>{d.would_reach}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.holdoutArm")}>{d.holdout}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.capped")}>{d.capped}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.treatment")}>{d.treated}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryCoupons")}>
              {d.estimated.coupons} ({t("cmp.dryEach", { n: String(d.per_member.coupons) })})
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryCouponValue")}>
              {money(d.estimated.coupon_value_minor, lang)}
              {d.estimated.coupons_of_unbounded_value > 0 &&
                ` + ${t("cmp.dryUnbounded", { n: String(d.estimated.coupons_of_unbounded_value) })}`}
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryPoints")}>
              {d.estimated.points} ({t("cmp.dryEach", { n: String(d.per_member.points) })})
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryMessages")}>
              {d.estimated.messages} ({t("cmp.dryEach", { n: String(d.per_member.messages) })})
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.dryBudgetCovers")} span={2}>
              {d.budget_covers === null ? t("cmp.dryNoBudget") : d.budget_covers}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Text strong>
            {t("cmp.drySample", { n: String(d.sample_member_ids.length) })}
          </Typography.Text>
          <Space wrap data-testid="dry-run-sample">
            {d.sample_member_ids.map((id) => (
              <Link key={id} to={`/admin/members/${id}`}>
                {id}
              </Link>
            ))}
          </Space>
        </Space>
      )}
    </Modal>
  );
}
