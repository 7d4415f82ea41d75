/**
 * The peer Enclave is measured against: the straightforward way to build order ingest. One transaction per order,
 * the member's balance read, added to and written back (read-modify-write on one row), one ledger row per order,
 * through the query builder. Same database, same HTTP framework, same machine.
 */
import Fastify from "fastify";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";

interface NaiveTables {
  naive_orders: {
    order_id: string;
    member_id: string;
    external_id: string;
    paid_minor: number;
    points: number;
    created_at: Date;
  };
  naive_balances: { member_id: string; points: number; growth: number };
  naive_ledger: { entry_id: string; member_id: string; order_id: string; points: number; created_at: Date };
}

const url = process.env.DATABASE_URL ?? "";
const db = new Kysely<NaiveTables>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }),
});

await sql`CREATE TABLE IF NOT EXISTS naive_orders (order_id text PRIMARY KEY, member_id text NOT NULL, external_id text UNIQUE NOT NULL, paid_minor bigint NOT NULL, points bigint NOT NULL, created_at timestamptz NOT NULL)`.execute(
  db,
);
await sql`CREATE TABLE IF NOT EXISTS naive_balances (member_id text PRIMARY KEY, points bigint NOT NULL, growth bigint NOT NULL)`.execute(
  db,
);
await sql`CREATE TABLE IF NOT EXISTS naive_ledger (entry_id text PRIMARY KEY, member_id text NOT NULL, order_id text NOT NULL, points bigint NOT NULL, created_at timestamptz NOT NULL)`.execute(
  db,
);

const app = Fastify();
app.get("/readyz", async () => ({ ok: true }));
app.post<{ Body: { external_id: string; member: { member_id: string }; paid_minor: number } }>(
  "/v1/orders",
  async (request, reply) => {
    const body = request.body;
    const points = Math.floor(body.paid_minor / 100);
    const orderId = `ord_${crypto.randomUUID()}`;
    await db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom("naive_orders")
        .select("order_id")
        .where("external_id", "=", body.external_id)
        .executeTakeFirst();
      if (existing) return;
      await tx
        .insertInto("naive_orders")
        .values({
          order_id: orderId,
          member_id: body.member.member_id,
          external_id: body.external_id,
          paid_minor: body.paid_minor,
          points,
          created_at: new Date(),
        })
        .execute();
      const balance = await tx
        .selectFrom("naive_balances")
        .selectAll()
        .where("member_id", "=", body.member.member_id)
        .forUpdate()
        .executeTakeFirst();
      if (balance) {
        await tx
          .updateTable("naive_balances")
          .set({ points: Number(balance.points) + points, growth: Number(balance.growth) + points })
          .where("member_id", "=", body.member.member_id)
          .execute();
      } else {
        await tx
          .insertInto("naive_balances")
          .values({ member_id: body.member.member_id, points, growth: points })
          .execute();
      }
      await tx
        .insertInto("naive_ledger")
        .values({
          entry_id: `jnl_${crypto.randomUUID()}`,
          member_id: body.member.member_id,
          order_id: orderId,
          points,
          created_at: new Date(),
        })
        .execute();
    });
    return reply.code(201).send({ order_id: orderId, points_earned: points });
  },
);
// Points spend, the straightforward way: read the balance, check it, write back the difference, one ledger row.
// With NAIVE_SPEND_LOCK=0 the read takes no row lock, as code that forgets it does (lost updates under load).
const lockOnRead = process.env.NAIVE_SPEND_LOCK !== "0";
await sql`CREATE TABLE IF NOT EXISTS naive_spends (reference text PRIMARY KEY, member_id text NOT NULL, points bigint NOT NULL, created_at timestamptz NOT NULL)`.execute(
  db,
);
app.post<{ Params: { member_id: string }; Body: { amount: number; reason: string; reference: string } }>(
  "/v1/members/:member_id/points/spend",
  async (request, reply) => {
    const { member_id: memberId } = request.params;
    const { amount, reference } = request.body;
    const outcome = await db.transaction().execute(async (tx) => {
      const existing = await sql<{
        reference: string;
      }>`SELECT reference FROM naive_spends WHERE reference = ${reference}`.execute(tx);
      if (existing.rows.length > 0) return "replayed";
      const read = tx.selectFrom("naive_balances").select("points").where("member_id", "=", memberId);
      const balance = await (lockOnRead ? read.forUpdate() : read).executeTakeFirst();
      if (!balance || Number(balance.points) < amount) return "refused";
      await tx
        .updateTable("naive_balances")
        .set({ points: Number(balance.points) - amount })
        .where("member_id", "=", memberId)
        .execute();
      await sql`INSERT INTO naive_spends (reference, member_id, points, created_at) VALUES (${reference}, ${memberId}, ${amount}, now())`.execute(
        tx,
      );
      return "spent";
    });
    if (outcome === "refused") return reply.code(422).send({ title: "not enough points" });
    return reply.code(201).send({ member_id: memberId, amount });
  },
);

await app.listen({ port: Number(process.env.PORT ?? 3999), host: "127.0.0.1" });
