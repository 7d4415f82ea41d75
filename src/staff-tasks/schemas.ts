import { Type } from "typebox";
import type { Task } from "./service.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: "date-time" });

export const TaskKindSchema = Type.Union([
  Type.Literal("recruit"),
  Type.Literal("issue_coupons"),
  Type.Literal("contact_members"),
]);

export const TaskSchema = Type.Object(
  {
    task_id: Type.String(),
    title: Type.String(),
    description: Nullable(Type.String()),
    kind: TaskKindSchema,
    scope_org_unit_id: Type.String(),
    assignee_role: Type.Union([Type.Literal("guide"), Type.Literal("store_manager")]),
    target_per_assignee: Type.Integer(),
    template_code: Nullable(Type.String()),
    segment_id: Nullable(Type.String()),
    starts_at: Timestamp,
    due_at: Timestamp,
    reward_points: Nullable(Type.Integer()),
    reward_bonus_minor: Nullable(Type.Integer()),
    status: Type.Union([Type.Literal("open"), Type.Literal("cancelled")]),
    created_by: Type.String(),
    created_at: Timestamp,
  },
  { $id: "StaffTask" },
);

export const TotalsSchema = Type.Object({
  assignees: Type.Integer(),
  completed: Type.Integer({ description: "Assignees who reached the target" }),
  done: Type.Integer({ description: "Actions counted, each assignee's capped at the target" }),
  target: Type.Integer(),
  rate: Type.Number({ description: "done / target, 0..1" }),
});

export const TaskCreateBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    kind: TaskKindSchema,
    scope_org_unit_id: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "All assignees of this subtree",
    }),
    assignee_role: Type.Optional(
      Type.Union([Type.Literal("guide"), Type.Literal("store_manager")], { description: "Default: guide" }),
    ),
    target_per_assignee: Type.Integer({ minimum: 1, maximum: 100_000 }),
    template_code: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "issue_coupons: the template that counts" }),
    ),
    segment_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "contact_members: only its members count" }),
    ),
    starts_at: Type.Optional(Timestamp),
    due_at: Timestamp,
    reward_points: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    reward_bonus_minor: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

export function serializeTask(task: Task) {
  const { scope_path: _path, ...rest } = task;
  return {
    ...rest,
    starts_at: task.starts_at.toISOString(),
    due_at: task.due_at.toISOString(),
    created_at: task.created_at.toISOString(),
  };
}
