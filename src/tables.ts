import type { AudienceTables } from "./audience/tables.ts";
import type { CouponsTables } from "./coupons/tables.ts";
import type { MembersTables } from "./members/tables.ts";
import type { IntegrationsTables } from "./orders/adapters/tables.ts";
import type { OrdersTables } from "./orders/tables.ts";
import type { PlatformTables } from "./platform/tables.ts";
import type { PointsTables } from "./points/tables.ts";
import type { TiersTables } from "./tiers/tables.ts";

/** The whole schema, for the query builder. Each capability owns its tables and queries only those. */
export interface Tables
  extends
    PlatformTables,
    MembersTables,
    PointsTables,
    OrdersTables,
    TiersTables,
    IntegrationsTables,
    CouponsTables,
    AudienceTables {
  schema_migrations: { version: string; name: string; checksum: string; applied_at: Date };
}
