import { mkdirSync } from "node:fs";
import type { Config } from "../config.ts";
import { type Database, openDatabase } from "./database.ts";
import { lockDataDir } from "./lock.ts";

/** Opens the configured database; the embedded one is locked to this process until closed. */
export async function openConfiguredDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return openDatabase({ url: config.databaseUrl });
  mkdirSync(config.dataDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  try {
    const database = await openDatabase({ dataDir: config.dataDir });
    return {
      ...database,
      async close() {
        await database.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
