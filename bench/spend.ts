/**
 * Points spend over HTTP: many concurrent spends on a few hundred members of a generated brand, so that spends of
 * one member race each other; then every balance is checked to be ≥ 0 and exactly what it was minus what was
 * accepted, and the ledger check runs. Beside it the naive peer (bench/peer/naive-server.ts): read the balance,
 * subtract, write it back, one ledger row. Usage: npm run bench -- spend [seconds=10] [workers=32]
 */
import pg from "pg";
import { generatedBrand } from "./generate.ts";
import {
  closedLoop,
  loadAverage,
  machine,
  MAIN,
  quantile,
  row,
  type Server,
  startProcess,
} from "./support.ts";

const SECONDS = Number(process.argv[3] ?? 10);
const WORKERS = Number(process.argv[4] ?? 32);
const HOT_MEMBERS = 300;

const brand = await generatedBrand("bench_spend", { members: 20_000, orders: 200_000, seed: 11 });
const client = new pg.Client({ connectionString: brand.url });
await client.connect();
const t = brand.report.tenant_id;

async function balances(
  table: "member_balances" | "naive_balances",
  ids: string[],
): Promise<Map<string, number>> {
  const result =
    table === "member_balances"
      ? await client.query<{ member_id: string; points: string }>(
          "SELECT member_id, available AS points FROM member_balances WHERE tenant_id = $1 AND member_id = ANY($2)",
          [t, ids],
        )
      : await client.query<{ member_id: string; points: string }>(
          "SELECT member_id, points FROM naive_balances WHERE member_id = ANY($1)",
          [ids],
        );
  return new Map(result.rows.map((r) => [r.member_id, Number(r.points)]));
}

// Members with something to spend, a few hundred of them: at 32 callers, spends of one member do meet.
const hot = (
  await client.query<{ member_id: string }>(
    "SELECT member_id FROM member_balances WHERE tenant_id = $1 AND available >= 50 ORDER BY md5(member_id) LIMIT $2",
    [t, HOT_MEMBERS],
  )
).rows.map((r) => r.member_id);

let sequence = 0;
async function spendLoad(server: Server, label: string) {
  const spent = new Map<string, number>();
  const result = await closedLoop(WORKERS, SECONDS, async () => {
    const member = hot[Math.floor(Math.random() * hot.length)] ?? "";
    const amount = 1 + Math.floor(Math.random() * 60);
    const res = await fetch(`${server.url}/v1/members/${member}/points/spend`, {
      method: "POST",
      headers: { authorization: `Bearer ${brand.key}`, "content-type": "application/json" },
      body: JSON.stringify({ amount, reason: "bench", reference: `${label}-${process.pid}-${++sequence}` }),
    });
    await res.arrayBuffer();
    if (res.status === 201) {
      spent.set(member, (spent.get(member) ?? 0) + amount);
      return "ok";
    }
    if (res.status === 422 || res.status === 409) return "refused";
    return `status ${res.status}`;
  });
  return { ...result, spent };
}

function verdict(
  before: Map<string, number>,
  after: Map<string, number>,
  spent: Map<string, number>,
): string {
  let wrong = 0;
  let negative = 0;
  for (const id of hot) {
    const b = before.get(id) ?? 0;
    const a = after.get(id) ?? 0;
    if (a < 0) negative++;
    if (a !== b - (spent.get(id) ?? 0)) wrong++;
  }
  return wrong === 0 && negative === 0
    ? `exact, ≥ 0 (${hot.length} members)`
    : `**${wrong} balances wrong, ${negative} below 0**`;
}

const lines: string[] = [];
const report = (cells: (string | number)[]) => {
  lines.push(row(cells));
  console.log(row(cells));
};
console.log(
  `machine: ${machine()}; ${SECONDS} s per workload, ${WORKERS} concurrent callers, ${hot.length} members; brand of ${brand.report.members} members / ${brand.report.orders} orders; load average ${loadAverage()}`,
);
console.log(
  row([
    "workload",
    "accepted/s",
    "refused (not enough)",
    "errors",
    "p50 ms",
    "p99 ms",
    "peak RSS MiB",
    "balances",
    "check",
  ]),
);

try {
  // Enclave
  {
    const before = await balances("member_balances", hot);
    const server = await startProcess([MAIN, "start"], { DATABASE_URL: brand.url }, 3911);
    const r = await spendLoad(server, "enclave");
    const after = await balances("member_balances", hot);
    const check = (await (
      await fetch(`${server.url}/v1/points/check`, { headers: { authorization: `Bearer ${brand.key}` } })
    ).json()) as { ok: boolean; entries: number; problems: string[] };
    const errors = [...r.outcomes].filter(([k]) => k !== "ok" && k !== "refused");
    report([
      "Enclave: POST /v1/members/:id/points/spend",
      Math.round((r.outcomes.get("ok") ?? 0) / r.seconds),
      r.outcomes.get("refused") ?? 0,
      errors.length === 0 ? 0 : errors.map(([k, v]) => `${k}: ${v}`).join(", "),
      quantile(r.latencies, 0.5).toFixed(1),
      quantile(r.latencies, 0.99).toFixed(1),
      server.peakRssMiB(),
      verdict(before, after, r.spent),
      check.ok ? `ledger ok (${check.entries} entries)` : `LEDGER: ${check.problems.join("; ")}`,
    ]);
    await server.stop();
  }
  // The naive peer, on the same members and balances: with the row lock on the read, and without it.
  for (const locked of [true, false]) {
    await client.query("DROP TABLE IF EXISTS naive_balances");
    await client.query(
      "CREATE TABLE naive_balances AS SELECT member_id, available AS points, growth FROM member_balances WHERE tenant_id = $1",
      [t],
    );
    await client.query("ALTER TABLE naive_balances ADD PRIMARY KEY (member_id)");
    await client.query("ANALYZE naive_balances");
    const before = await balances("naive_balances", hot);
    const peer = await startProcess(
      [new URL("./peer/naive-server.ts", import.meta.url).pathname],
      { DATABASE_URL: brand.url, NAIVE_SPEND_LOCK: locked ? "1" : "0" },
      3912,
    );
    const r = await spendLoad(peer, `peer-${locked}`);
    const after = await balances("naive_balances", hot);
    const errors = [...r.outcomes].filter(([k]) => k !== "ok" && k !== "refused");
    report([
      `peer: read balance${locked ? " FOR UPDATE" : " (no lock)"}, subtract, write back`,
      Math.round((r.outcomes.get("ok") ?? 0) / r.seconds),
      r.outcomes.get("refused") ?? 0,
      errors.length === 0 ? 0 : errors.map(([k, v]) => `${k}: ${v}`).join(", "),
      quantile(r.latencies, 0.5).toFixed(1),
      quantile(r.latencies, 0.99).toFixed(1),
      peer.peakRssMiB(),
      verdict(before, after, r.spent),
      "—",
    ]);
    await peer.stop();
  }
  console.log(
    `load average after: ${loadAverage()}; bench process peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
} finally {
  await client.end();
  await brand.drop();
}
