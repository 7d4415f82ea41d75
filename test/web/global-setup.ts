import { ensureWebBuilt } from "../../src/web/build.ts";

/** Builds web/dist once per test run when a source changed, before any spec serves or drives the pages. */
export default async function setup(): Promise<void> {
  await ensureWebBuilt();
}
