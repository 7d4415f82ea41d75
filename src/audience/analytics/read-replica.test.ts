import { beforeAll, describe, expect, it } from "vitest";
import { databaseKinds, freshDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { ConfigError, loadConfig } from "../../platform/config.ts";
import type { Database } from "../../platform/db/database.ts";
import { joinedMember } from "../audience.test-support.ts";

describe("DATABASE_READ_URL", () => {
  it("needs DATABASE_URL: the embedded database has no replicas", () => {
    expect(() => loadConfig({ DATABASE_READ_URL: "postgres://127.0.0.1/replica" })).toThrow(ConfigError);
    expect(
      loadConfig({ DATABASE_URL: "postgres://127.0.0.1/a", DATABASE_READ_URL: "postgres://127.0.0.1/b" })
        .readDatabaseUrl,
    ).toBe("postgres://127.0.0.1/b");
  });
});

type Fresh = Awaited<ReturnType<typeof freshDatabase>>;

/**
 * A second database stands in for a streaming replica that lags: rows are "replicated" by copying them, so the
 * test can tell which database a report read.
 */
describe.runIf(databaseKinds().includes("postgres"))("Analytics on a read replica [postgres]", () => {
  let primary: Fresh | undefined;
  let replica: Fresh | undefined;
  const db = (fresh: Fresh | undefined): Database => {
    if (!fresh) throw new Error("database not ready");
    return fresh.database;
  };
  beforeAll(async () => {
    primary = await freshDatabase("postgres");
    replica = await freshDatabase("postgres");
    return async () => {
      await primary?.dispose();
      await replica?.dispose();
    };
  });
  const h = useEnclave(() => db(primary), {
    env: () => ({ DATABASE_URL: primary?.url ?? "", DATABASE_READ_URL: replica?.url ?? "" }),
  });
  let brand: Brand;

  async function replicate(table: "tenants" | "members", tenantId: string): Promise<void> {
    const rows = await db(primary)
      .db.selectFrom(table)
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .execute();
    if (rows.length > 0) await db(replica).db.insertInto(table).values(rows).execute();
  }

  async function membersAtEnd(): Promise<number | undefined> {
    const res = await h().api<{ series: { members: number }[] }>(
      "GET",
      "/v1/audience/analytics/membership?interval=month",
      { token: brand.readKey },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.series.at(-1)?.members;
  }

  beforeAll(async () => {
    brand = await h().newBrand();
    const now = new Date();
    for (const daysAgo of [3, 2, 1]) await joinedMember(h(), brand, now, daysAgo);
  });

  it("reads the membership report from the replica, and writes still go to the primary", async () => {
    // The replica has the brand but not yet its members: the report says so.
    await replicate("tenants", brand.tenantId);
    expect(await membersAtEnd()).toBe(0);

    await replicate("members", brand.tenantId);
    expect(await membersAtEnd()).toBe(3);

    const joined = await joinedMember(h(), brand, new Date(), 0);
    const onPrimary = await db(primary)
      .db.selectFrom("members")
      .select("member_id")
      .where("member_id", "=", joined)
      .executeTakeFirst();
    expect(onPrimary?.member_id).toBe(joined);
    // Not replicated yet, so not in the report.
    expect(await membersAtEnd()).toBe(3);
  });
});
