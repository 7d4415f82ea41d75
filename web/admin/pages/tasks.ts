// What the HQ tasks API answers (src/staff-tasks/schemas.ts), as the task pages read it.
import type { EChartsCoreOption } from "echarts/core";
import type { Translate } from "../../shared/i18n.tsx";

export type TaskKind = "recruit" | "issue_coupons" | "contact_members";

export interface StaffTask {
  task_id: string;
  title: string;
  kind: TaskKind;
  scope_org_unit_id: string;
  target_per_assignee: number;
  template_code: string | null;
  segment_id: string | null;
  due_at: string;
  reward_points: number | null;
  reward_bonus_minor: number | null;
  status: "open" | "cancelled";
}

export interface Totals {
  assignees: number;
  completed: number;
  done: number;
  target: number;
  rate: number;
}

export interface UnitProgress extends Totals {
  org_unit_id: string;
  parent_id: string | null;
  kind: string;
  name: string;
}

export interface AssigneeProgress {
  staff_id: string;
  name: string;
  org_unit_id: string;
  done: number;
  target: number;
  lagging: boolean;
  reminders: number;
}

export interface TaskProgress {
  task_id: string;
  /** The unit the roll-up starts from. */
  org_unit_id: string;
  totals: Totals;
  units: UnitProgress[];
  assignees: AssigneeProgress[];
}

export interface OrgUnit {
  org_unit_id: string;
  name: string;
  kind: string;
}

/** One bar per unit below the top of the roll-up (regions and stores), completion in percent. */
export function rollUpOption(units: UnitProgress[], t: Translate): EChartsCoreOption {
  const shown = units.length > 1 ? units.slice(1) : units;
  return {
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => `${String(v)}%` },
    grid: { left: 120, right: 24, top: 16, bottom: 24 },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: shown.map((u) => u.name) },
    series: [
      {
        name: t("task.completion"),
        type: "bar",
        // Regions (and any unit above a store) darker than the stores they sum up.
        data: shown.map((u) => ({
          value: Math.round(u.rate * 1000) / 10,
          itemStyle: { color: u.kind === "store" ? "#5eead4" : "#0f766e" },
        })),
        label: { show: true, position: "right", formatter: "{c}%" },
      },
    ],
  };
}
