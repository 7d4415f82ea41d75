import type { MembersTables } from "./members/tables.ts";
import type { PlatformTables } from "./platform/tables.ts";

/** The whole schema, for the query builder. Each capability owns its tables and queries only those. */
export interface Tables extends PlatformTables, MembersTables {
  schema_migrations: { version: string; name: string; checksum: string; applied_at: Date };
}
