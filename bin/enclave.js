#!/usr/bin/env node
/* global process */
// The CLI entry for `npx enclave …`: Enclave's sources are TypeScript run directly by Node 24.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  process.stderr.write(
    `enclave needs Node 24 or newer (this is ${process.version}). Run it through npm, which uses the project's own Node: npm run enclave -- <command>\n`,
  );
  process.exit(1);
}
await import("../src/main.ts");
