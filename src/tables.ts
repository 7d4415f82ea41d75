import type { AudienceTables } from "./audience/tables.ts";
import type { CampaignsTables } from "./campaigns/tables.ts";
import type { ChannelCodesTables } from "./channel-codes/tables.ts";
import type { CouponsTables } from "./coupons/tables.ts";
import type { EngagementTables } from "./engagement/tables.ts";
import type { MembersTables } from "./members/tables.ts";
import type { MessagingTables } from "./messaging/tables.ts";
import type { IntegrationsTables } from "./orders/adapters/tables.ts";
import type { OrdersTables } from "./orders/tables.ts";
import type { OrgTables } from "./org/tables.ts";
import type { PlatformTables } from "./platform/tables.ts";
import type { PointsTables } from "./points/tables.ts";
import type { PrivacyTables } from "./privacy/tables.ts";
import type { RepliesTables } from "./replies/tables.ts";
import type { StaffTasksTables } from "./staff-tasks/tables.ts";
import type { TiersTables } from "./tiers/tables.ts";
import type { WebhooksTables } from "./webhooks/tables.ts";

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
    AudienceTables,
    EngagementTables,
    OrgTables,
    ChannelCodesTables,
    StaffTasksTables,
    RepliesTables,
    MessagingTables,
    WebhooksTables,
    PrivacyTables,
    CampaignsTables {
  schema_migrations: { version: string; name: string; checksum: string; applied_at: Date };
}
