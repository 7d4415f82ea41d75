// Builds the three web faces (admin console, member center, staff pages) into web/dist with Vite.
// `node src/web/build.ts` builds when web/dist is missing or older than a source file; `--force` always builds.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const WEB_ROOT = resolve(import.meta.dirname, "../../web");
export const WEB_DIST = join(WEB_ROOT, "dist");
/** Written last by a build, so a crashed build is never taken as complete. */
const BUILT_MARKER = join(WEB_DIST, ".built");
const SOURCE_DIRS = ["shared", "admin", "member", "staff"];

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when web/dist is missing or a source under web/ changed after the last build. */
export function webBuildIsStale(): boolean {
  if (!existsSync(BUILT_MARKER)) return true;
  const builtAt = statSync(BUILT_MARKER).mtimeMs;
  const sources = SOURCE_DIRS.map((d) => join(WEB_ROOT, d)).filter((d) => existsSync(d));
  return (
    sources.some((dir) => newestMtimeMs(dir) > builtAt) || statSync(import.meta.filename).mtimeMs > builtAt
  );
}

/** One page per face, so each face downloads only its own code; ECharts is split out and loaded on demand. */
export async function buildWeb(): Promise<void> {
  const { build } = await import("vite");
  const { default: react } = await import("@vitejs/plugin-react");
  const { writeFileSync } = await import("node:fs");
  await build({
    configFile: false,
    root: WEB_ROOT,
    base: "/",
    logLevel: "warn",
    plugins: [react()],
    build: {
      outDir: WEB_DIST,
      emptyOutDir: true,
      chunkSizeWarningLimit: 1500,
      rollupOptions: {
        input: {
          admin: join(WEB_ROOT, "admin/index.html"),
          member: join(WEB_ROOT, "member/index.html"),
          staff: join(WEB_ROOT, "staff/index.html"),
        },
      },
    },
  });
  writeFileSync(BUILT_MARKER, new Date().toISOString());
}

/** Builds unless the assets are current; returns whether it built. */
export async function ensureWebBuilt(): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  await buildWeb();
  return true;
}

/** Vite is a development dependency: an install without it (npm ci --omit=dev) runs the API without pages. */
function viteMissing(error: unknown): boolean {
  return (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String(error).includes("vite");
}

if (import.meta.main) {
  const force = process.argv.includes("--force");
  const started = Date.now();
  try {
    let built = true;
    if (force) await buildWeb();
    else built = await ensureWebBuilt();
    console.log(built ? `web: built web/dist in ${Date.now() - started} ms` : "web: web/dist is current");
  } catch (error) {
    if (!viteMissing(error)) throw error;
    console.warn("web: Vite is not installed (a production install?); the API starts without the web pages");
  }
}
