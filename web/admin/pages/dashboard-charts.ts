// ECharts options for the dashboard, one function per chart, from the analytics answers.
import type { EChartsCoreOption } from "echarts/core";
import type { Translate } from "../../shared/i18n.tsx";
import type { MessageKey } from "../../shared/messages.ts";

export interface Analytics {
  membership: { series: { period: string; joined: number; members: number; growth_rate: number | null }[] };
  lifecycle: { stages: { stage: string; members: number }[]; important: number };
  sales: {
    orders: number;
    sales_minor: number;
    member_sales_minor: number;
    member_contribution: number | null;
    repurchase_rate: number | null;
    average_order_value_minor: number | null;
    by_channel: { channel: string; joins: number; orders: number; member_sales_minor: number }[];
  };
  points: {
    series: { period: string; issued: number; redeemed: number; expired: number }[];
    outstanding: number;
  };
  overview: {
    tiers: { members_total: number; items: { code: string; name: string; members: number }[] };
    rfm: { cells: { r: number; f: number; group: string; members: number }[] };
  };
  cohorts: {
    cohorts: { cohort: string; members: number; retention: { month: number; rate: number | null }[] }[];
  };
}

const PALETTE = ["#0f766e", "#14b8a6", "#f59e0b", "#6366f1", "#ef4444", "#64748b", "#84cc16"];
const grid = { left: 48, right: 24, top: 40, bottom: 32 };

export function growthOption(data: Analytics, t: Translate): EChartsCoreOption {
  const series = data.membership.series;
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { ...grid, right: 56 },
    xAxis: { type: "category", data: series.map((p) => p.period) },
    yAxis: [
      { type: "value", name: t("dash.joined") },
      { type: "value", name: t("dash.members"), scale: true },
    ],
    series: [
      { name: t("dash.joined"), type: "bar", data: series.map((p) => p.joined) },
      {
        name: t("dash.members"),
        type: "line",
        yAxisIndex: 1,
        smooth: true,
        data: series.map((p) => p.members),
      },
    ],
  };
}

export function stagesOption(data: Analytics, t: Translate): EChartsCoreOption {
  return {
    color: PALETTE,
    tooltip: { trigger: "item" },
    series: [
      {
        type: "funnel",
        sort: "none",
        top: 10,
        bottom: 10,
        label: { formatter: "{b}: {c}" },
        data: data.lifecycle.stages.map((s) => ({
          name: t(`stage.${s.stage}` as MessageKey),
          value: s.members,
        })),
      },
    ],
  };
}

export function contributionOption(data: Analytics, t: Translate): EChartsCoreOption {
  const member = data.sales.member_sales_minor / 100;
  const other = Math.max(0, data.sales.sales_minor - data.sales.member_sales_minor) / 100;
  return {
    color: PALETTE,
    tooltip: { trigger: "item", valueFormatter: (v: number) => `¥${v.toFixed(2)}` },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: ["45%", "70%"],
        label: { formatter: "{d}%" },
        data: [
          { name: t("dash.memberSalesShort"), value: member },
          { name: t("dash.otherSales"), value: other },
        ],
      },
    ],
  };
}

export function tierOption(data: Analytics): EChartsCoreOption {
  return {
    color: PALETTE,
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: "65%",
        label: { formatter: "{b}\n{d}%" },
        data: data.overview.tiers.items.map((tier) => ({ name: tier.name, value: tier.members })),
      },
    ],
  };
}

export function channelOption(data: Analytics, t: Translate): EChartsCoreOption {
  const channels = data.sales.by_channel;
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { ...grid, left: 90 },
    yAxis: { type: "category", data: channels.map((c) => c.channel) },
    xAxis: { type: "value" },
    series: [
      { name: t("dash.orders"), type: "bar", data: channels.map((c) => c.orders) },
      { name: t("dash.joins"), type: "bar", data: channels.map((c) => c.joins) },
    ],
  };
}

export function pointsOption(data: Analytics, t: Translate): EChartsCoreOption {
  const series = data.points.series;
  return {
    color: ["#0f766e", "#f59e0b", "#ef4444"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid,
    xAxis: { type: "category", data: series.map((p) => p.period) },
    yAxis: { type: "value" },
    series: [
      { name: t("dash.issued"), type: "bar", stack: "p", data: series.map((p) => p.issued) },
      { name: t("dash.redeemed"), type: "bar", stack: "n", data: series.map((p) => -p.redeemed) },
      { name: t("dash.expired"), type: "bar", stack: "n", data: series.map((p) => -p.expired) },
    ],
  };
}

export function rfmOption(data: Analytics, t: Translate): EChartsCoreOption {
  const cells = data.overview.rfm.cells;
  const max = Math.max(1, ...cells.map((c) => c.members));
  return {
    tooltip: {
      formatter: (p: { data: [number, number, number, string] }) =>
        `R${p.data[0] + 1} F${p.data[1] + 1}<br/>${t(`rfm.${p.data[3]}` as MessageKey)}: ${p.data[2]}`,
    },
    grid: { ...grid, bottom: 80 },
    xAxis: { type: "category", name: "R", data: ["1", "2", "3", "4", "5"] },
    yAxis: { type: "category", name: "F", data: ["1", "2", "3", "4", "5"] },
    visualMap: {
      min: 0,
      max,
      dimension: 2,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      calculable: true,
      inRange: { color: ["#f0fdfa", "#0f766e"] },
    },
    series: [
      {
        type: "heatmap",
        label: { show: true },
        data: cells.map((c) => [c.r - 1, c.f - 1, c.members, c.group]),
      },
    ],
  };
}

export function cohortOption(data: Analytics, t: Translate): EChartsCoreOption {
  const cohorts = data.cohorts.cohorts;
  const months = Math.max(1, ...cohorts.map((c) => c.retention.length));
  const points: [number, number, number][] = [];
  cohorts.forEach((cohort, y) => {
    for (const cell of cohort.retention) {
      if (cell.rate !== null) points.push([cell.month, y, Math.round(cell.rate * 1000) / 10]);
    }
  });
  return {
    tooltip: { formatter: (p: { data: [number, number, number] }) => `${p.data[2]}%` },
    grid: { ...grid, left: 72, bottom: 56 },
    xAxis: {
      type: "category",
      name: t("dash.monthsAfter"),
      data: Array.from({ length: months }, (_, i) => String(i)),
    },
    yAxis: { type: "category", data: cohorts.map((c) => `${c.cohort} (${c.members})`), inverse: true },
    visualMap: {
      min: 0,
      max: 100,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      inRange: { color: ["#fff7ed", "#0f766e"] },
    },
    series: [{ type: "heatmap", label: { show: true, formatter: "{@[2]}%" }, data: points }],
  };
}
