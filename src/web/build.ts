// Builds the three web faces (admin console, member center, staff pages) into web/dist with Vite.
// `node src/web/build.ts` builds when web/dist is missing or older than a source file; `--force` always builds.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

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
  // Always a production bundle: Vite and the React plugin read NODE_ENV, and a build started from the test run
  // (NODE_ENV=test) would otherwise ship React's development build and libraries' test-only branches (Ant Design's
  // fixed "test-id" aria ids, so every drawer was labelled by the first one's title).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: false,
      mode: "production",
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
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  precompress(join(WEB_DIST, "assets"));
  writeFileSync(BUILT_MARKER, new Date().toISOString());
}

/** Text assets worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set([".js", ".css", ".html", ".svg", ".json", ".txt"]);

/**
 * Writes `name.br` and `name.gz` beside each text asset, once per build: the server sends them to browsers that
 * accept them (@fastify/static `preCompressed`) and spends no CPU per request. Small files are left alone.
 */
export function precompress(dir: string): { files: number; bytes: number; brotliBytes: number } {
  const totals = { files: 0, bytes: 0, brotliBytes: 0 };
  if (!existsSync(dir)) return totals;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = precompress(path);
      totals.files += inner.files;
      totals.bytes += inner.bytes;
      totals.brotliBytes += inner.brotliBytes;
      continue;
    }
    if (!COMPRESSIBLE.has(extname(entry.name))) continue;
    const content = readFileSync(path);
    if (content.length < 1024) continue;
    const brotli = brotliCompressSync(content, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
        [zlib.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    });
    writeFileSync(`${path}.br`, brotli);
    writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }));
    totals.files += 1;
    totals.bytes += content.length;
    totals.brotliBytes += brotli.length;
  }
  return totals;
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
