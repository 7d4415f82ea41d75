import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getOrgUnit, listOrgUnits } from "../org/service.ts";
import { isWithin, placementsOf, scopePathOf } from "../org/staff.ts";
import { type Principal, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../platform/http/pagination.ts";
import { notFound, Problem } from "../platform/http/problems.ts";
import { contactTodo, logContact, remindLaggards } from "./actions.ts";
import { isLagging, rollUp, totalsOf } from "./rules.ts";
import { serializeTask, TaskCreateBody, TaskSchema, TotalsSchema } from "./schemas.ts";
import {
  cancelTask,
  createTask,
  getTask,
  listTasks,
  myTasks,
  staffRewards,
  taskAssignees,
} from "./service.ts";

const ISSUERS = ["owner", "hq_operator", "region_manager", "store_manager"] as const;
const TaskIdParams = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Timestamp = Type.String({ format: "date-time" });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

function principalOf(request: { principal?: Principal | undefined }): Principal {
  if (!request.principal) throw new Problem("unauthenticated");
  return request.principal;
}

function staffOf(request: { principal?: Principal | undefined }) {
  const p = request.principal;
  if (p?.kind !== "staff") throw new Problem("forbidden", "for staff accounts");
  return p;
}

const UnitProgressSchema = Type.Object({
  org_unit_id: Type.String(),
  parent_id: Nullable(Type.String()),
  kind: Type.String(),
  name: Type.String(),
  ...TotalsSchema.properties,
});
const AssigneeSchema = Type.Object({
  staff_id: Type.String(),
  name: Type.String(),
  org_unit_id: Type.String(),
  done: Type.Integer(),
  target: Type.Integer(),
  completed_at: Nullable(Timestamp),
  lagging: Type.Boolean(),
  reminders: Type.Integer(),
});

export const staffTaskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.post(
    "/v1/staff-tasks",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "Issue a task to every guide (or store manager) of a subtree",
        description:
          "Kinds: `recruit` (members joining with the guide), `issue_coupons` (coupons of `template_code` issued by " +
          "store staff to the guide's members), `contact_members` (logged contacts, only members of `segment_id` if " +
          "given). Progress counts only those actions between `starts_at` and `due_at`. A region or store manager " +
          "issues within their own subtree.",
        body: TaskCreateBody,
        response: { 201: TaskSchema },
      },
      config: { access: { apiKey: "write", staff: ISSUERS } },
    },
    async (request, reply) => {
      const body = request.body;
      return command(request, reply, 201, async (tx) =>
        serializeTask(
          await createTask(
            tx,
            tenantOf(request),
            {
              ...body,
              starts_at: body.starts_at === undefined ? undefined : new Date(body.starts_at),
              due_at: new Date(body.due_at),
            },
            principalOf(request),
            now(),
          ),
        ),
      );
    },
  );

  app.get(
    "/v1/staff-tasks",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "Tasks covering or below the caller, newest first",
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("cancelled")])),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(TaskSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const { limit = PAGE_LIMIT_DEFAULT, cursor, status } = request.query;
      const page = await listTasks(
        db,
        tenantOf(request),
        { status },
        { limit, before: decodeCursor(cursor) },
        request.principal,
      );
      return { items: page.items.map(serializeTask), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/staff-tasks/:task_id",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "A task with its totals for the caller's subtree",
        params: TaskIdParams,
        response: { 200: Type.Object({ ...TaskSchema.properties, totals: TotalsSchema }) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const task = await getTask(db, tenantId, request.params.task_id, request.principal);
      const assignees = await taskAssignees(db, tenantId, task.task_id, scopePathOf(request.principal));
      const totals = totalsOf(
        assignees.map((a) => ({ ...a, completed: a.completed_at !== null })),
        task.target_per_assignee,
      );
      return { ...serializeTask(task), totals };
    },
  );

  app.get(
    "/v1/staff-tasks/:task_id/progress",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "Completion rolled up through the tree, for a unit and everything below it",
        description:
          "`units` has one row per org unit at or below `org_unit_id` (default: the caller's own unit) that has " +
          "assignees, in tree order: the numbers for a chart per region or store. `assignees` lists each person " +
          "with `lagging` (behind the pace the elapsed time asks for).",
        params: TaskIdParams,
        querystring: Type.Object(
          { org_unit_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            task_id: Type.String(),
            org_unit_id: Type.String(),
            totals: TotalsSchema,
            units: Type.Array(UnitProgressSchema),
            assignees: Type.Array(AssigneeSchema),
          }),
        },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const task = await getTask(db, tenantId, request.params.task_id, request.principal);
      const scope = scopePathOf(request.principal);
      const unitId =
        request.query.org_unit_id ??
        (request.principal?.kind === "staff" ? request.principal.orgUnitId : task.scope_org_unit_id);
      const unit = await getOrgUnit(db, tenantId, unitId).catch(() => undefined);
      if (!unit || !isWithin(unit.path, scope)) throw notFound("org unit", unitId);
      const assignees = await taskAssignees(db, tenantId, task.task_id, unit.path);
      const progress = assignees.map((a) => ({ ...a, completed: a.completed_at !== null }));
      const units = await listOrgUnits(db, tenantId, unit.path);
      const names = await placementsOf(
        db,
        tenantId,
        assignees.map((a) => a.staff_id),
      );
      const at = now();
      return {
        task_id: task.task_id,
        org_unit_id: unit.org_unit_id,
        totals: totalsOf(progress, task.target_per_assignee),
        units: rollUp(units, progress, task.target_per_assignee),
        assignees: progress.map((a) => ({
          staff_id: a.staff_id,
          name: names.get(a.staff_id)?.name ?? "",
          org_unit_id: a.org_unit_id,
          done: a.done,
          target: task.target_per_assignee,
          completed_at: a.completed_at?.toISOString() ?? null,
          lagging: task.status === "open" && isLagging(a, task, at),
          reminders: a.reminders,
        })),
      };
    },
  );

  app.post(
    "/v1/staff-tasks/:task_id/reminders",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "Remind the lagging assignees below the caller",
        description: "Each laggard gets a `staff_task.reminder` event, at most once an hour.",
        params: TaskIdParams,
        response: { 200: Type.Object({ reminded: Type.Array(Type.String()) }) },
      },
      config: { access: { apiKey: "write", staff: ISSUERS } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const tenantId = tenantOf(request);
        const task = await getTask(tx, tenantId, request.params.task_id, request.principal);
        return { reminded: await remindLaggards(tx, tenantId, task, principalOf(request), now()) };
      }),
  );

  app.post(
    "/v1/staff-tasks/:task_id/cancel",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "Call a task off (the issuing level or above)",
        params: TaskIdParams,
        response: { 200: TaskSchema },
      },
      config: { access: { apiKey: "write", staff: ISSUERS } },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeTask(
          await cancelTask(tx, tenantOf(request), request.params.task_id, principalOf(request), now()),
        ),
      ),
  );

  app.get(
    "/v1/staff-tasks/:task_id/todo",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "A contact task's to-do list: the segment's members in the caller's scope not yet contacted",
        params: TaskIdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: PageOf(
            Type.Object({
              member_id: Type.String(),
              name: Nullable(Type.String()),
              card_no: Nullable(Type.String()),
              stage: Nullable(Type.String({ description: "The member's lifecycle stage" })),
            }),
          ),
        },
      },
      config: { access: { staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const task = await getTask(db, tenantId, request.params.task_id, request.principal);
      return contactTodo(db, tenantId, task, staffOf(request), {
        limit: request.query.limit ?? PAGE_LIMIT_DEFAULT,
        after: decodeCursor(request.query.cursor),
      });
    },
  );

  app.get(
    "/v1/my/tasks",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "The signed-in staff member's tasks and progress (staff pages)",
        querystring: Type.Object(
          { open_only: Type.Optional(Type.Boolean({ default: true })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                ...TaskSchema.properties,
                done: Type.Integer(),
                completed_at: Nullable(Timestamp),
              }),
            ),
          }),
        },
      },
      config: { access: { staff: "all" } },
    },
    async (request) => {
      const staff = staffOf(request);
      const rows = await myTasks(
        db,
        staff.tenantId,
        staff.staffId,
        { open_only: request.query.open_only ?? true },
        now(),
      );
      return {
        items: rows.map((r) => ({
          ...serializeTask(r),
          done: r.done,
          completed_at: r.completed_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.get(
    "/v1/my/rewards",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "The signed-in staff member's task rewards: staff points and recorded bonuses",
        response: {
          200: Type.Object({
            points: Type.Integer(),
            bonus_minor: Type.Integer(),
            items: Type.Array(
              Type.Object({
                task_id: Type.String(),
                points: Type.Integer(),
                bonus_minor: Type.Integer(),
                at: Timestamp,
              }),
            ),
          }),
        },
      },
      config: { access: { staff: "all" } },
    },
    async (request) => {
      const staff = staffOf(request);
      const rewards = await staffRewards(db, staff.tenantId, staff.staffId);
      return { ...rewards, items: rewards.items.map((i) => ({ ...i, at: i.at.toISOString() })) };
    },
  );

  app.post(
    "/v1/staff-contacts",
    {
      schema: {
        tags: ["staff tasks"],
        summary: "Log a contact with one of your members (counts towards contact tasks)",
        body: Type.Object(
          {
            member_id: Type.String({ minLength: 1, maxLength: 64 }),
            channel: Type.Union([
              Type.Literal("call"),
              Type.Literal("chat"),
              Type.Literal("sms"),
              Type.Literal("visit"),
              Type.Literal("other"),
            ]),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            contact_id: Type.String(),
            staff_id: Type.String(),
            member_id: Type.String(),
            channel: Type.String(),
            note: Nullable(Type.String()),
            at: Timestamp,
            credited: Type.Integer({ description: "Task assignments this contact moved forward" }),
          }),
        },
      },
      config: { access: { staff: "all" } },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const contact = await logContact(tx, tenantOf(request), staffOf(request), request.body, now());
        return { ...contact, at: contact.at.toISOString() };
      }),
  );
};
