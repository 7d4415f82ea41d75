import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class DataDirBusyError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The embedded database is a folder that one process may open at a time. This lock turns a second
 * opener (a CLI command while the server runs) into a clear error instead of a corrupted database.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, "enclave.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(readFileSync(path, "utf8"));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DataDirBusyError(
          `the embedded database in ${dataDir} is in use by process ${pid}; stop it first, or give this command its own ENCLAVE_DATA_DIR`,
        );
      }
      if (existsSync(path)) rmSync(path, { force: true }); // left by a process that died
    }
  }
  throw new DataDirBusyError(`could not lock ${dataDir}`);
}
