// A campaign's results: both arms (treated and holdout) side by side, the uplift with its 95% interval, and what
// the campaign gave (GET /v1/campaigns/{id}/results).
import { Alert, Descriptions, Modal, Spin, Table, Tag } from "antd";
import { errorText } from "../../shared/api.ts";
import { money } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";

interface Arm {
  members: number;
  converters: number;
  conversion_rate: number;
  orders: number;
  revenue_minor: number;
  revenue_per_member_minor: number;
}
interface Results {
  reached: number;
  acted: number;
  capped: number;
  treatment: Arm;
  holdout: Arm;
  uplift: {
    difference: number;
    ci95_low: number;
    ci95_high: number;
    significant: boolean;
    incremental_revenue_minor: number;
  } | null;
  actions: {
    coupons_issued: number;
    coupons_redeemed: number;
    points_granted: number;
    messages_sent: number;
  };
}

const points = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const signed = (rate: number) => `${rate >= 0 ? "+" : ""}${(rate * 100).toFixed(1)}`;

export function CampaignResults(props: { campaignId: string; name: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const results = useLoad(
    () => api.get<Results>(`/v1/campaigns/${props.campaignId}/results`),
    [props.campaignId],
  );
  const r = results.data;
  return (
    <Modal
      open
      width={760}
      title={t("cmp.resultsOf", { name: props.name })}
      onCancel={props.onClose}
      footer={null}
    >
      {results.error !== undefined && <Alert type="error" title={errorText(results.error)} />}
      {!r ? (
        <Spin />
      ) : (
        <>
          <Descriptions size="small" column={3} style={{ marginBottom: 12 }}>
            <Descriptions.Item label={t("cmp.reached")}>{r.reached}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.acted")}>{r.acted}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.capped")}>{r.capped}</Descriptions.Item>
          </Descriptions>
          <Table<Arm & { arm: string }>
            size="small"
            pagination={false}
            rowKey="arm"
            dataSource={[
              { arm: t("cmp.treatment"), ...r.treatment },
              { arm: t("cmp.holdoutArm"), ...r.holdout },
            ]}
            columns={[
              { title: t("cmp.arm"), dataIndex: "arm" },
              { title: t("nav.members"), dataIndex: "members" },
              { title: t("cmp.converters"), dataIndex: "converters" },
              { title: t("cmp.conversion"), render: (_, a) => points(a.conversion_rate) },
              { title: t("cmp.orders"), dataIndex: "orders" },
              { title: t("cmp.revenue"), render: (_, a) => money(a.revenue_minor, lang) },
              { title: t("cmp.perMember"), render: (_, a) => money(a.revenue_per_member_minor, lang) },
            ]}
          />
          <Descriptions size="small" column={2} style={{ marginTop: 12 }} bordered>
            <Descriptions.Item label={t("cmp.uplift")} span={2}>
              {r.uplift ? (
                <>
                  {t("cmp.upliftText", {
                    diff: signed(r.uplift.difference),
                    low: signed(r.uplift.ci95_low),
                    high: signed(r.uplift.ci95_high),
                  })}{" "}
                  {r.uplift.significant ? (
                    <Tag color="green">{t("cmp.significant")}</Tag>
                  ) : (
                    <Tag>{t("cmp.notSignificant")}</Tag>
                  )}
                </>
              ) : (
                t("cmp.noUplift")
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.incremental")} span={2}>
              {r.uplift ? money(r.uplift.incremental_revenue_minor, lang) : "—"}
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.couponsIssued")}>{r.actions.coupons_issued}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.couponsRedeemed")}>
              {r.actions.coupons_redeemed}
            </Descriptions.Item>
            <Descriptions.Item label={t("cmp.pointsGranted")}>{r.actions.points_granted}</Descriptions.Item>
            <Descriptions.Item label={t("cmp.messagesSent")}>{r.actions.messages_sent}</Descriptions.Item>
          </Descriptions>
        </>
      )}
    </Modal>
  );
}
