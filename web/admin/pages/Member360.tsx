// Everything about one member on one page, and the three things an operator does to a member.
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Popover,
  Progress,
  Row,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useParams } from "react-router";
import { errorText, type Page } from "../../shared/api.ts";
import { QrCode } from "../../shared/Codes.tsx";
import { date, dateTime, money, num, percent } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { MessageKey } from "../../shared/messages.ts";
import type {
  Coupon,
  LedgerEntry,
  Member,
  MemberTag,
  MemberTier,
  Order,
  PointsBalance,
  Scores,
  TimelineEvent,
} from "../../shared/types.ts";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import {
  AddTagButton,
  AdjustPointsButton,
  IssueCouponButton,
  RevokeCouponButton,
} from "./member-actions.tsx";

interface Profile {
  member: Member;
  points: PointsBalance;
  tier: MemberTier;
  scores: Scores;
  tags: MemberTag[];
}

export default function Member360() {
  const { memberId = "" } = useParams();
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const base = `/v1/members/${encodeURIComponent(memberId)}`;
  const profile = useLoad<Profile>(async () => {
    const [member, points, tier, scores, tags] = await Promise.all([
      api.get<Member>(base),
      api.get<PointsBalance>(`${base}/points`),
      api.get<MemberTier>(`${base}/tier`),
      api.get<Scores>(`${base}/scores`),
      api.get<{ items: MemberTag[] }>(`${base}/tags`),
    ]);
    return { member, points, tier, scores, tags: tags.items };
  }, [memberId]);
  const history = useLoad(
    () => api.get<Page<LedgerEntry>>(`${base}/points/history`, { limit: 50 }),
    [memberId],
  );
  const coupons = useLoad(() => api.get<Page<Coupon>>(`${base}/coupons`, { limit: 50 }), [memberId]);
  const orders = useLoad(
    () => api.get<Page<Order>>("/v1/orders", { member_id: memberId, limit: 50 }),
    [memberId],
  );
  const timeline = useLoad(() => api.get<Page<TimelineEvent>>(`${base}/timeline`, { limit: 50 }), [memberId]);
  const refresh = () => {
    profile.reload();
    history.reload();
    coupons.reload();
    timeline.reload();
  };

  if (profile.error !== undefined) return <Alert type="error" title={errorText(profile.error)} />;
  const data = profile.data;
  if (!data) return <Card loading />;
  const { member, points, tier, scores } = data;
  const next = tier.distance_to_next?.options[0];
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card>
        <div style={{ display: "flex", justifyContent: "space-between", flexWrap: "wrap", gap: 12 }}>
          <Space orientation="vertical" size={4}>
            <Typography.Title level={3} style={{ margin: 0 }} data-testid="member-name">
              {member.name ?? member.card_no}
            </Typography.Title>
            <Space wrap>
              <Tag color="gold">{tier.tier.name}</Tag>
              {scores.stage && <Tag color="cyan">{t(`stage.${scores.stage}` as MessageKey)}</Tag>}
              {scores.important && <Tag color="red">{t("member.important")}</Tag>}
              {data.tags.map((tag) => (
                <Tag key={tag.tag_id} color="blue">
                  {tag.name}
                </Tag>
              ))}
            </Space>
          </Space>
          <Space wrap>
            <AdjustPointsButton memberId={memberId} onDone={refresh} />
            <IssueCouponButton memberId={memberId} onDone={refresh} />
            <AddTagButton memberId={memberId} onDone={refresh} />
          </Space>
        </div>
        <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginTop: 16 }}>
          <Descriptions.Item label={t("member.cardNo")}>{member.card_no}</Descriptions.Item>
          <Descriptions.Item label={t("member.phone")}>{member.phone ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("member.gender")}>{member.gender ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("member.birthday")}>{member.birthday ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("member.channel")}>{member.join_channel ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("member.joinedAt")}>{date(member.joined_at, lang)}</Descriptions.Item>
          <Descriptions.Item label={t("member.consent")}>
            {Object.entries(member.consent)
              .map(([channel, c]) => `${channel}: ${c.granted ? "✓" : "✗"}`)
              .join("  ")}
          </Descriptions.Item>
          <Descriptions.Item label={t("member.status")}>{member.status}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>
          <Card title={t("member.points")} size="small">
            <Row gutter={8}>
              <Col span={12}>
                <Statistic
                  title={t("points.available")}
                  value={points.available}
                  data-testid="points-available"
                />
              </Col>
              <Col span={12}>
                <Statistic title={t("points.pending")} value={points.pending} />
              </Col>
              <Col span={12}>
                <Statistic title={t("points.growth")} value={points.growth} />
              </Col>
              <Col span={12}>
                <Statistic title={t("points.owed")} value={points.owed} />
              </Col>
            </Row>
            <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
              {points.next_expiry
                ? t("points.nextExpiry", {
                    points: points.next_expiry.points,
                    date: date(points.next_expiry.expires_at, lang),
                  })
                : t("points.noExpiry")}
            </Typography.Paragraph>
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t("member.tier")} size="small">
            <Statistic title={t("member.currentTier")} value={tier.tier.name} />
            {tier.distance_to_next && next ? (
              <>
                <Progress percent={Math.min(100, Math.round((next.current / next.threshold) * 100))} />
                <Typography.Text type="secondary">
                  {t("tier.toNext", {
                    needed: num(tier.distance_to_next.needed, lang),
                    metric: tier.distance_to_next.metric,
                    tier: tier.distance_to_next.next_tier_name,
                  })}
                </Typography.Text>
              </>
            ) : (
              <Typography.Text type="secondary">{t("tier.top")}</Typography.Text>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t("member.value")} size="small">
            <Row gutter={8}>
              <Col span={12}>
                <Statistic
                  title={t("member.stage")}
                  value={scores.stage ? t(`stage.${scores.stage}` as MessageKey) : "—"}
                />
              </Col>
              <Col span={12}>
                <Statistic
                  title="RFM"
                  value={scores.rfm.group ? t(`rfm.${scores.rfm.group}` as MessageKey) : "—"}
                />
              </Col>
              <Col span={12}>
                <Statistic
                  title={t("member.ltv")}
                  value={money(scores.ltv?.predicted_value_365d_minor, lang)}
                />
              </Col>
              <Col span={12}>
                <Statistic title={t("member.pAlive")} value={percent(scores.ltv?.p_alive, lang)} />
              </Col>
            </Row>
          </Card>
        </Col>
      </Row>
      <Card size="small">
        <Tabs
          items={[
            {
              key: "history",
              label: t("member.pointsHistory"),
              children: (
                <Table<LedgerEntry>
                  rowKey="entry_id"
                  size="small"
                  loading={history.loading}
                  dataSource={history.data?.items ?? []}
                  pagination={{ pageSize: 10 }}
                  columns={[
                    {
                      title: t("common.time"),
                      dataIndex: "occurred_at",
                      render: (v: string) => dateTime(v, lang),
                    },
                    { title: t("points.currency"), dataIndex: "currency" },
                    { title: t("points.kind"), dataIndex: "kind" },
                    {
                      title: t("points.amount"),
                      dataIndex: "amount",
                      render: (v: number) => (
                        <Typography.Text type={v < 0 ? "danger" : "success"}>
                          {v > 0 ? `+${v}` : v}
                        </Typography.Text>
                      ),
                    },
                    { title: t("points.reason"), dataIndex: "reason" },
                    { title: t("points.by"), dataIndex: "actor" },
                  ]}
                />
              ),
            },
            {
              key: "lots",
              label: t("member.expiring"),
              children: (
                <Table
                  rowKey="expires_at"
                  size="small"
                  dataSource={points.expiring_soon}
                  pagination={false}
                  columns={[
                    {
                      title: t("points.expiresAt"),
                      dataIndex: "expires_at",
                      render: (v: string) => dateTime(v, lang),
                    },
                    { title: t("points.amount"), dataIndex: "points" },
                  ]}
                />
              ),
            },
            {
              key: "coupons",
              label: t("member.coupons"),
              children: (
                <Table<Coupon>
                  rowKey="coupon_id"
                  size="small"
                  loading={coupons.loading}
                  dataSource={coupons.data?.items ?? []}
                  pagination={{ pageSize: 10 }}
                  columns={[
                    { title: t("coupon.name"), dataIndex: "name" },
                    {
                      title: t("coupon.code"),
                      dataIndex: "code",
                      render: (code: string, coupon: Coupon) => (
                        <Space size={4}>
                          <span>{code}</span>
                          {coupon.status === "available" && (
                            <Popover
                              trigger="click"
                              content={
                                <div style={{ textAlign: "center" }} data-testid="coupon-code-popover">
                                  <QrCode value={code} size={160} label={t("coupon.codeQr", { code })} />
                                  <div>
                                    <Typography.Text copyable>{code}</Typography.Text>
                                  </div>
                                </div>
                              }
                            >
                              <Button size="small" type="link">
                                {t("coupon.showCode")}
                              </Button>
                            </Popover>
                          )}
                        </Space>
                      ),
                    },
                    { title: t("coupon.status"), dataIndex: "status", render: (s: string) => <Tag>{s}</Tag> },
                    {
                      title: t("coupon.validUntil"),
                      dataIndex: "valid_until",
                      render: (v: string) => date(v, lang),
                    },
                    {
                      title: "",
                      key: "revoke",
                      render: (_: unknown, coupon: Coupon) =>
                        coupon.status === "available" ? (
                          <RevokeCouponButton
                            memberId={memberId}
                            couponId={coupon.coupon_id}
                            code={coupon.code}
                            onDone={refresh}
                          />
                        ) : null,
                    },
                  ]}
                />
              ),
            },
            {
              key: "orders",
              label: t("member.orders"),
              children: (
                <Table<Order>
                  rowKey="order_id"
                  size="small"
                  loading={orders.loading}
                  dataSource={orders.data?.items ?? []}
                  pagination={{ pageSize: 10 }}
                  columns={[
                    {
                      title: t("common.time"),
                      dataIndex: "ordered_at",
                      render: (v: string) => dateTime(v, lang),
                    },
                    { title: t("member.channel"), dataIndex: "channel" },
                    {
                      title: t("order.paid"),
                      dataIndex: "paid_minor",
                      render: (v: number) => money(v, lang),
                    },
                    { title: t("order.points"), dataIndex: "points_earned" },
                    { title: t("member.status"), dataIndex: "status" },
                  ]}
                />
              ),
            },
            {
              key: "timeline",
              label: t("member.timeline"),
              children: (
                <Table<TimelineEvent>
                  rowKey="event_id"
                  size="small"
                  loading={timeline.loading}
                  dataSource={timeline.data?.items ?? []}
                  pagination={{ pageSize: 10 }}
                  columns={[
                    {
                      title: t("common.time"),
                      dataIndex: "occurred_at",
                      render: (v: string) => dateTime(v, lang),
                    },
                    { title: t("timeline.event"), dataIndex: "type", render: (v: string) => <Tag>{v}</Tag> },
                    {
                      title: t("timeline.detail"),
                      dataIndex: "payload",
                      render: (p: Record<string, unknown>) => <TimelineDetail payload={p} />,
                    },
                  ]}
                />
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}

function TimelineDetail(props: { payload: Record<string, unknown> }) {
  const shown = Object.entries(props.payload).filter(
    ([key, value]) => key !== "member_id" && value !== null && typeof value !== "object",
  );
  return (
    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
      {shown.map(([key, value]) => `${key}: ${String(value)}`).join(" · ")}
    </Typography.Text>
  );
}
