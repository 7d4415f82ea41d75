import { fromPglite, PgBoss } from "pg-boss";
import type { Logger } from "pino";
import type { Database } from "./db/database.ts";

export type JobHandler<T> = (data: T) => Promise<void>;

interface JobDefinition {
  name: string;
  handler: JobHandler<never>;
  /** Cron in UTC, for recurring jobs. */
  cron: string | undefined;
}

const JOBS_SCHEMA = "pgboss";

/**
 * Background jobs on a PostgreSQL-backed queue (pg-boss): the same database holds the work, so there is no
 * second store to run, and it works on the embedded database too. Capabilities define jobs before start.
 */
export class Jobs {
  readonly #definitions: JobDefinition[] = [];
  readonly #database: Database;
  readonly #log: Logger;
  #boss: PgBoss | undefined;

  constructor(database: Database, log: Logger) {
    this.#database = database;
    this.#log = log;
  }

  define<T>(name: string, handler: JobHandler<T>, options: { cron?: string } = {}): void {
    this.#definitions.push({ name, handler: handler, cron: options.cron });
  }

  async start(): Promise<void> {
    const database = this.#database;
    const boss =
      database.kind === "pglite" && database.pglite
        ? new PgBoss({ db: fromPglite(database.pglite), backend: "pglite", schema: JOBS_SCHEMA })
        : new PgBoss({ connectionString: database.connectionString, schema: JOBS_SCHEMA, max: 4 });
    boss.on("error", (error) => this.#log.error({ err: error }, "job queue error"));
    await boss.start();
    for (const definition of this.#definitions) {
      await boss.createQueue(definition.name);
      await boss.work<unknown>(definition.name, async (jobs) => {
        for (const job of jobs) await definition.handler(job.data as never);
      });
      if (definition.cron) await boss.schedule(definition.name, definition.cron, {});
    }
    this.#boss = boss;
  }

  async send<T extends object>(name: string, data: T): Promise<void> {
    if (!this.#boss) throw new Error("jobs are not started");
    await this.#boss.send(name, data);
  }

  async stop(): Promise<void> {
    await this.#boss?.stop({ graceful: true, timeout: 5_000 });
    this.#boss = undefined;
  }
}
