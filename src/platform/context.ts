import type { Logger } from "pino";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { EventRelay } from "./events.ts";
import type { Jobs } from "./jobs.ts";

/** What every capability is given: no globals, so tests build one per database. */
export interface Platform {
  config: Config;
  database: Database;
  /**
   * Where reads that may lag a little go (analytics): a replica when `DATABASE_READ_URL` is set, else `database`
   * itself. Nothing writes through it.
   */
  readDatabase: Database;
  clock: Clock;
  log: Logger;
  events: EventRelay;
  jobs: Jobs;
}
