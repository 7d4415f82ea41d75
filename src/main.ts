import { buildProgram } from "./cli/program.ts";
import { ConfigError } from "./platform/config.ts";
import { DataDirBusyError } from "./platform/db/lock.ts";
import { Problem } from "./platform/http/problems.ts";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Errors a user can act on are one clear line; anything else keeps its stack.
  if (error instanceof Problem || error instanceof ConfigError || error instanceof DataDirBusyError) {
    process.stderr.write(`enclave: ${error.message}\n`);
  } else {
    process.stderr.write(
      `enclave: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
}
