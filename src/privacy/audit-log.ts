import type { Executor } from "../platform/db/database.ts";
import { parseTimeKey, timeKey, toPage } from "../platform/http/pagination.ts";

export interface AuditFilter {
  member_id?: string | undefined;
  /** The actor: a staff id, an API key id. */
  staff_id?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface AuditEntry {
  audit_id: string;
  at: Date;
  actor: string;
  action: string;
  member_id: string | null;
  detail: Record<string, unknown>;
}

/** The brand's audit log, newest first: request entries (member data read or changed) and recorded actions. */
export async function listAuditLog(
  db: Executor,
  tenantId: string,
  filter: AuditFilter,
  page: { limit: number; before: string | undefined },
): Promise<{ items: AuditEntry[]; next_cursor: string | null }> {
  let query = db
    .selectFrom("audit_log")
    .select(["audit_id", "at", "actor", "action", "subject_id as member_id", "detail"])
    .where("tenant_id", "=", tenantId);
  if (filter.member_id) query = query.where("subject_id", "=", filter.member_id);
  if (filter.staff_id) query = query.where("actor", "=", filter.staff_id);
  if (filter.from) query = query.where("at", ">=", filter.from);
  if (filter.to) query = query.where("at", "<", filter.to);
  if (page.before) {
    const { at, id } = parseTimeKey(page.before);
    query = query.where((eb) =>
      eb.or([eb("at", "<", at), eb.and([eb("at", "=", at), eb("audit_id", "<", id)])]),
    );
  }
  const rows = await query
    .orderBy("at", "desc")
    .orderBy("audit_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => timeKey(row.at, row.audit_id));
}
