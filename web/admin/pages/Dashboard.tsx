// The member analytics a marketer reads at a glance: growth, stages, contribution, tiers, channels, points,
// the RFM grid and cohort retention, over a chosen date range.
import { errorText } from "../../shared/api.ts";
import {
  Alert,
  Button,
  Card,
  Col,
  DatePicker,
  Progress,
  Row,
  Segmented,
  Space,
  Statistic,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { Chart, preloadCharts } from "../../shared/Chart.tsx";
import { money, num, percent } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import { useLoad } from "../../shared/useLoad.ts";
import { useConsole } from "../session.tsx";
import { useRecomputeRun } from "./recompute-run.ts";
import {
  channelOption,
  cohortOption,
  contributionOption,
  type Analytics,
  growthOption,
  pointsOption,
  rfmOption,
  stagesOption,
  tierOption,
} from "./dashboard-charts.ts";

type Interval = "day" | "week" | "month";

// Every chart here waits for ECharts: fetch it while the analytics load rather than after they arrive.
preloadCharts();

export default function Dashboard() {
  const { t, lang } = useI18n();
  const { api } = useConsole();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, "day"), dayjs()]);
  const [interval, setInterval] = useState<Interval>("day");
  const query = { from: range[0].format("YYYY-MM-DD"), to: range[1].format("YYYY-MM-DD"), interval };
  const loaded = useLoad<Analytics>(async () => {
    const [membership, lifecycle, sales, points, overview, cohorts] = await Promise.all([
      api.get<Analytics["membership"]>("/v1/audience/analytics/membership", query),
      api.get<Analytics["lifecycle"]>("/v1/audience/analytics/lifecycle", query),
      api.get<Analytics["sales"]>("/v1/audience/analytics/sales", query),
      api.get<Analytics["points"]>("/v1/audience/analytics/points", query),
      api.get<Analytics["overview"]>("/v1/audience/analytics/overview"),
      api.get<Analytics["cohorts"]>("/v1/audience/analytics/cohorts", { months: 12 }),
    ]);
    return { membership, lifecycle, sales, points, overview, cohorts };
  }, [query.from, query.to, interval]);

  // Stages and RFM come from the nightly recompute; a new brand can run it now and watch its phases go by.
  const recompute = useRecomputeRun(api, () => loaded.reload());
  const run = recompute.run;

  const data = loaded.data;
  const scored = data ? data.lifecycle.stages.reduce((sum, s) => sum + s.members, 0) : 0;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <div
        style={{ display: "flex", justifyContent: "space-between", alignItems: "center", flexWrap: "wrap" }}
      >
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("dash.title")}
        </Typography.Title>
        <Space wrap>
          <DatePicker.RangePicker
            value={range}
            allowClear={false}
            onChange={(value) => {
              if (value?.[0] && value[1]) setRange([value[0], value[1]]);
            }}
          />
          <Segmented<Interval>
            value={interval}
            onChange={setInterval}
            options={[
              { label: t("dash.day"), value: "day" },
              { label: t("dash.week"), value: "week" },
              { label: t("dash.month"), value: "month" },
            ]}
          />
          <Button onClick={recompute.start} loading={recompute.running}>
            {t("dash.recompute")}
          </Button>
        </Space>
      </div>
      {run?.status === "running" && (
        <div>
          <Progress percent={run.percent} status="active" />
          <Typography.Text type="secondary">
            {t("dash.phase", { step: run.phases_done + 1, phase: t(`dash.phase.${run.phase ?? "facts"}`) })}
          </Typography.Text>
        </div>
      )}
      {run?.status === "succeeded" && (
        <Alert
          type="success"
          closable
          title={t("dash.recomputed", {
            members: run.report?.members ?? 0,
            seconds: Math.round((run.report?.duration_ms ?? 0) / 1000),
          })}
        />
      )}
      {run?.status === "failed" && <Alert type="error" title={run.error ?? ""} />}
      {recompute.failure !== undefined && <Alert type="error" title={errorText(recompute.failure)} />}
      {loaded.error !== undefined && <Alert type="error" title={errorText(loaded.error)} />}
      {data && (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={12} lg={4}>
              <Card size="small">
                <Statistic title={t("dash.members")} value={num(data.overview.tiers.members_total, lang)} />
              </Card>
            </Col>
            <Col xs={12} lg={4}>
              <Card size="small">
                <Statistic
                  title={t("dash.newMembers")}
                  value={num(
                    data.membership.series.reduce((s, p) => s + p.joined, 0),
                    lang,
                  )}
                />
              </Card>
            </Col>
            <Col xs={12} lg={4}>
              <Card size="small">
                <Statistic title={t("dash.memberSales")} value={money(data.sales.member_sales_minor, lang)} />
              </Card>
            </Col>
            <Col xs={12} lg={4}>
              <Card size="small">
                <Statistic title={t("dash.repurchase")} value={percent(data.sales.repurchase_rate, lang)} />
              </Card>
            </Col>
            <Col xs={12} lg={4}>
              <Card size="small">
                <Statistic
                  title={t("dash.aov")}
                  value={money(Math.round(data.sales.average_order_value_minor ?? 0), lang)}
                />
              </Card>
            </Col>
            <Col xs={12} lg={4}>
              <Card size="small">
                <Statistic title={t("dash.liability")} value={num(data.points.outstanding, lang)} />
              </Card>
            </Col>
          </Row>
          {scored === 0 && <Alert type="info" title={t("dash.notScored")} />}
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={16}>
              <Card title={t("dash.growth")} size="small">
                <Chart testId="chart-growth" option={growthOption(data, t)} />
              </Card>
            </Col>
            <Col xs={24} xl={8}>
              <Card title={t("dash.stages")} size="small">
                <Chart testId="chart-stages" option={stagesOption(data, t)} />
              </Card>
            </Col>
            <Col xs={24} md={12} xl={8}>
              <Card title={t("dash.contribution")} size="small">
                <Chart option={contributionOption(data, t)} />
              </Card>
            </Col>
            <Col xs={24} md={12} xl={8}>
              <Card title={t("dash.tierMix")} size="small">
                <Chart option={tierOption(data)} />
              </Card>
            </Col>
            <Col xs={24} xl={8}>
              <Card title={t("dash.channels")} size="small">
                <Chart option={channelOption(data, t)} />
              </Card>
            </Col>
            <Col xs={24} xl={12}>
              <Card title={t("dash.points")} size="small">
                <Chart option={pointsOption(data, t)} />
              </Card>
            </Col>
            <Col xs={24} xl={12}>
              <Card title={t("dash.rfm")} size="small">
                <Chart option={rfmOption(data, t)} />
              </Card>
            </Col>
            <Col span={24}>
              <Card title={t("dash.cohorts")} size="small">
                <Chart option={cohortOption(data, t)} height={360} />
              </Card>
            </Col>
          </Row>
        </>
      )}
    </Space>
  );
}
