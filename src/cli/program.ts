import { Command, InvalidArgumentError, Option } from "commander";
import { createApiKey, createStaff } from "../access/service.ts";
import { createLogger, openEnclave } from "../app.ts";
import { loadDemo } from "../demo/load.ts";
import { importCdnow } from "../orders/import/cdnow.ts";
import { startIntakeWorker } from "../orders/intake/nats.ts";
import { DEFAULT_PARTITIONS, partitionsOf } from "../orders/intake/partitions.ts";
import { findOrgUnitByCode, getOrgUnit, getRootOrgUnit } from "../org/service.ts";
import { ROLES } from "../platform/auth/principal.ts";
import { newSecret } from "../platform/auth/secrets.ts";
import { loadConfig } from "../platform/config.ts";
import type { Database } from "../platform/db/database.ts";
import { migrate } from "../platform/db/migrate.ts";
import { openConfiguredDatabase } from "../platform/db/open.ts";
import type { Role } from "../platform/tables.ts";
import { createTenant, findTenantBySlug, listTenants } from "../tenants/service.ts";
import { superviseWorkers, workerRole } from "./workers.ts";

type Output = { json: boolean };

function print(output: Output, value: Record<string, unknown>, human: string): void {
  process.stdout.write(output.json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number");
  return n;
}

/** Opens the configured database, runs migrations, hands it to `work`, always closes it. */
async function withDatabase<T>(work: (database: Database, applied: string[]) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(loadConfig());
  try {
    const applied = await migrate(database);
    return await work(database, applied);
  } finally {
    await database.close();
  }
}

async function tenantId(database: Database, slug: string): Promise<string> {
  const tenant = await findTenantBySlug(database.db, slug);
  if (!tenant) throw new Error(`no brand with slug "${slug}" (see: enclave tenant list)`);
  return tenant.tenant_id;
}

export async function startServer(): Promise<void> {
  const config = loadConfig();
  const role = workerRole();
  if (role === "single" && config.workers > 1) {
    superviseWorkers(config.workers, createLogger(config.logLevel));
    return;
  }
  const enclave = await openEnclave(config);
  const { log } = enclave.platform;
  // With several processes (ENCLAVE_WORKERS), the background one loads the demo, relays, runs jobs and prints.
  const leads = role !== "http";
  if (config.demo && leads) {
    const tenants = await listTenants(enclave.platform.database.db);
    if (tenants.length === 0) {
      log.info("first start: loading the demo brand (about 15 seconds)");
      const demo = await loadDemo(enclave.platform.database, { clock: enclave.platform.clock });
      log.info({ tenant: demo.slug, members: demo.members, orders: demo.orders }, "demo brand loaded");
    }
  }
  if (leads) await enclave.startBackground();
  await enclave.http.listen({ port: config.port, host: config.host });
  const address = enclave.http.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const base = config.publicUrl.replace(/:\d+$/, `:${port}`);
  const lines = [
    "",
    `  Enclave is running (${enclave.platform.database.kind === "pglite" ? `embedded database in ${config.dataDir}` : "PostgreSQL"})`,
    `  Admin console  ${base}/admin`,
    `  Member center  ${base}/m`,
    `  Staff pages    ${base}/staff`,
    `  API            ${base}/v1`,
    `  API docs       ${base}/docs`,
    `  OpenAPI        ${base}/openapi.json`,
    `  Health         ${base}/healthz`,
  ];
  if (config.workers > 1) lines.push(`  Processes      ${config.workers} (ENCLAVE_WORKERS)`);
  if (config.demo) lines.push(`  Demo sign-in   brand "demo", owner@demo.enclave.dev / enclave-demo`);
  if (leads) process.stdout.write(`${lines.join("\n")}\n\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, "shutting down");
    await enclave.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

export function buildProgram(): Command {
  const program = new Command("enclave")
    .description("Enclave: membership and loyalty for consumer brands")
    .addHelpText(
      "after",
      "\nEnvironment: PORT (3000), HOST (127.0.0.1), DATABASE_URL (PostgreSQL; else embedded),\n" +
        "DATABASE_READ_URL (a read replica for the analytics reports),\n" +
        "ENCLAVE_DATA_DIR (.enclave/data), ENCLAVE_DEMO (load the demo brand on first start), LOG_LEVEL,\n" +
        "ENCLAVE_WORKERS (server processes sharing the port; PostgreSQL only).",
    );
  program.showHelpAfterError();

  program
    .command("start")
    .description("Run the API server, background jobs and web pages")
    .action(startServer);

  program
    .command("migrate")
    .description("Apply pending database migrations and exit")
    .option("--json", "machine-readable output", false)
    .action(async (options: Output) => {
      const applied = await withDatabase(async (_database, applied) => applied);
      print(
        options,
        { applied },
        applied.length ? `applied: ${applied.join(", ")}` : "database is up to date",
      );
    });

  program
    .command("demo")
    .description("Load the demo brand: stores, staff, members and a year of orders")
    .option("--slug <slug>", "brand slug", "demo")
    .option("--members <n>", "how many members", positiveInt, 3000)
    .option("--seed <n>", "random seed (same seed, same data)", positiveInt, 42)
    .option("--json", "machine-readable output", false)
    .action(async (options: Output & { slug: string; members: number; seed: number }) => {
      const result = await withDatabase((database) =>
        loadDemo(database, { slug: options.slug, members: options.members, seed: options.seed }),
      );
      print(
        options,
        { ...result },
        `loaded brand "${result.slug}": ${result.members} members, ${result.orders} orders`,
      );
    });

  program
    .command("import")
    .description("Load history from other systems")
    .command("cdnow")
    .description(
      "Import the CDNOW purchase log (master or sample layout) as members and orders of a USD brand",
    )
    .requiredOption("--tenant <slug>", "brand slug (the brand's currency must be USD)")
    .requiredOption("--file <path>", "CDNOW_master.txt or CDNOW_sample.txt")
    .option("--batch-size <n>", "customers and orders per transaction (at most 1000)", positiveInt, 1000)
    .option("--json", "machine-readable output", false)
    .action(async (options: Output & { tenant: string; file: string; batchSize: number }) => {
      const result = await withDatabase(async (database) =>
        importCdnow(database.db, await tenantId(database, options.tenant), options.file, {
          batchSize: options.batchSize,
          // Progress on stderr, so --json output on stdout stays one clean line.
          onProgress: (p) =>
            process.stderr.write(`\r${p.phase}: ${p.done}/${p.total}${p.done === p.total ? "\n" : ""}`),
        }),
      );
      print(
        options,
        { ...result },
        `imported ${result.customers} customers and ${result.orders} orders (${result.skipped} already there) in ${result.seconds} s`,
      );
    });

  program
    .command("intake")
    .description("Order intake from message streams")
    .command("nats")
    .description(
      "Ingest orders published to NATS JetStream (enclave.orders.<tenant_id>.<partition>); run one per worker",
    )
    .option("--url <url>", "NATS server", process.env.NATS_URL ?? "nats://127.0.0.1:4222")
    .option("--worker <i>", "this worker's index, from 0", positiveInt, 0)
    .option("--workers <n>", "how many workers share the partitions", positiveInt, 1)
    .option("--partitions <n>", "partitions the publishers use", positiveInt, DEFAULT_PARTITIONS)
    .option("--batch-size <n>", "orders per fetch and transaction (at most 1000)", positiveInt, 500)
    .action(
      async (options: {
        url: string;
        worker: number;
        workers: number;
        partitions: number;
        batchSize: number;
      }) => {
        const config = loadConfig();
        const database = await openConfiguredDatabase(config);
        await migrate(database);
        const log = createLogger(config.logLevel);
        const worker = await startIntakeWorker(database, log, options);
        process.stdout.write(
          `intake worker ${options.worker}/${options.workers} reading ${options.url}, partitions ${partitionsOf(options.worker, options.workers, options.partitions).join(",")}\n`,
        );
        await new Promise<void>((resolve) => {
          process.once("SIGTERM", resolve);
          process.once("SIGINT", resolve);
        });
        await worker.stop();
        await database.close();
        process.stdout.write(`intake worker ${options.worker} stopped after ${worker.applied()} messages\n`);
      },
    );

  const tenant = program.command("tenant").description("Brands on this installation");
  tenant
    .command("create")
    .description("Create a brand with its headquarters")
    .requiredOption("--slug <slug>", "short unique name, used at sign-in")
    .requiredOption("--name <name>", "display name")
    .option("--currency <code>", "ISO 4217 currency", "CNY")
    .option("--country <code>", "ISO 3166 country for phone numbers", "CN")
    .option("--time-zone <zone>", "IANA time zone for calendar days", "Asia/Shanghai")
    .option("--json", "machine-readable output", false)
    .action(
      async (
        options: Output & { slug: string; name: string; currency: string; country: string; timeZone: string },
      ) => {
        const created = await withDatabase((database) =>
          createTenant(database.db, {
            slug: options.slug,
            name: options.name,
            currency: options.currency,
            country: options.country,
            time_zone: options.timeZone,
          }),
        );
        print(options, { ...created }, `created brand ${created.slug} (${created.tenant_id})`);
      },
    );
  tenant
    .command("list")
    .description("List brands")
    .option("--json", "machine-readable output", false)
    .action(async (options: Output) => {
      const tenants = await withDatabase((database) => listTenants(database.db));
      print(
        options,
        { items: tenants },
        tenants.map((t) => `${t.slug}\t${t.tenant_id}\t${t.name}`).join("\n") || "no brands yet",
      );
    });

  program
    .command("apikey")
    .description("API keys for server-to-server calls")
    .command("create")
    .description("Create an API key (printed once)")
    .requiredOption("--tenant <slug>", "brand slug")
    .requiredOption("--name <name>", "what the key is for")
    .addOption(new Option("--scope <scope>", "read or write").choices(["read", "write"]).default("write"))
    .option("--json", "machine-readable output", false)
    .action(async (options: Output & { tenant: string; name: string; scope: "read" | "write" }) => {
      const key = await withDatabase(async (database) =>
        createApiKey(database.db, await tenantId(database, options.tenant), {
          name: options.name,
          scope: options.scope,
        }),
      );
      print(options, { ...key }, `${key.key}\n(store it now: it is not shown again)`);
    });

  program
    .command("staff")
    .description("Staff accounts")
    .command("create")
    .description("Create a staff account")
    .requiredOption("--tenant <slug>", "brand slug")
    .requiredOption("--email <email>", "sign-in email")
    .requiredOption("--name <name>", "display name")
    .addOption(new Option("--role <role>", "role").choices(ROLES as string[]).default("owner"))
    .option("--org-unit <code-or-id>", "org unit (code or id); HQ when omitted")
    .option("--password <password>", "password (a random one is generated and printed when omitted)")
    .option("--json", "machine-readable output", false)
    .action(
      async (
        options: Output & {
          tenant: string;
          email: string;
          name: string;
          role: Role;
          orgUnit?: string;
          password?: string;
        },
      ) => {
        const password = options.password ?? process.env.ENCLAVE_STAFF_PASSWORD ?? newSecret().slice(0, 16);
        const staff = await withDatabase(async (database) => {
          const id = await tenantId(database, options.tenant);
          const unit = options.orgUnit
            ? ((await findOrgUnitByCode(database.db, id, options.orgUnit)) ??
              (await getOrgUnit(database.db, id, options.orgUnit)))
            : await getRootOrgUnit(database.db, id);
          return createStaff(database.db, id, {
            email: options.email,
            name: options.name,
            role: options.role,
            org_unit_id: unit.org_unit_id,
            password,
          });
        });
        const generated = options.password === undefined && process.env.ENCLAVE_STAFF_PASSWORD === undefined;
        print(
          options,
          { ...staff, ...(generated ? { password } : {}) },
          `created ${staff.role} ${staff.email} (${staff.staff_id})${generated ? `\npassword: ${password}` : ""}`,
        );
      },
    );

  return program;
}
