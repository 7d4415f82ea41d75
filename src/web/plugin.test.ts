import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { WEB_DIST } from "./build.ts";

// web/dist is built by the test run's global setup (test/web/global-setup.ts).

describeEachDatabase("serving the web faces", (db) => {
  const h = useEnclave(db);

  it("sends the root to the admin console", async () => {
    const res = await h().api("GET", "/");
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/admin");
  });

  it("answers every path of a face with that face's page, never cached", async () => {
    for (const [path, title] of [
      ["/admin", "Enclave Console"],
      ["/admin/members/mem_123", "Enclave Console"],
      ["/m/join?brand=demo&scene=x", "Member center"],
      ["/staff/members/mem_123", "Staff"],
    ]) {
      const res = await h().api("GET", path ?? "");
      expect(res.status, path).toBe(200);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.text).toContain(title);
      expect(res.text).toContain('<div id="root">');
    }
  });

  it("keeps printed /member links working by sending them to /m with their query", async () => {
    const res = await h().api("GET", "/member/join?brand=demo&scene=autumn-2026");
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("/m/join?brand=demo&scene=autumn-2026");
  });

  it("serves the built scripts with a year's immutable caching", async () => {
    const html = readFileSync(join(WEB_DIST, "admin/index.html"), "utf8");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const res = await h().api("GET", script ?? "");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toContain("javascript");
    expect(res.headers["cache-control"]).toContain("immutable");
    expect((await h().api("GET", "/assets/no-such-file.js")).status).toBe(404);
  });

  it("sends the largest script precompressed to a browser that accepts brotli or gzip, plain to one that does not", async () => {
    const chunk = readdirSync(join(WEB_DIST, "assets")).find((f) => /^echarts-.*\.js$/.test(f));
    expect(chunk).toBeDefined();
    const path = `/assets/${chunk ?? ""}`;
    const plain = await h().enclave.http.inject({ method: "GET", url: path });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const original = plain.rawPayload;
    expect(original.length).toBeGreaterThan(100_000);

    const br = await h().enclave.http.inject({
      method: "GET",
      url: path,
      headers: { "accept-encoding": "gzip, deflate, br" },
    });
    expect(br.statusCode).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["content-type"]).toContain("javascript");
    expect(br.headers["vary"]).toContain("accept-encoding");
    expect(br.headers["cache-control"]).toContain("immutable");
    expect(br.rawPayload.length).toBeLessThan(original.length / 3);
    expect(brotliDecompressSync(br.rawPayload).equals(original)).toBe(true);

    const gz = await h().enclave.http.inject({
      method: "GET",
      url: path,
      headers: { "accept-encoding": "gzip" },
    });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.rawPayload).equals(original)).toBe(true);
  });

  it("serves a production bundle even when the test run built it (NODE_ENV=test)", () => {
    const scripts = readdirSync(join(WEB_DIST, "assets")).filter((f) => f.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of scripts) {
      const code = readFileSync(join(WEB_DIST, "assets", file), "utf8");
      // React's development JSX runtime, and Ant Design's fixed ids for tests, exist only outside production.
      expect(code, file).not.toContain("jsxDEV");
      expect(code, file).not.toContain("test-id");
    }
  });

  it("leaves the API's own answers alone", async () => {
    const res = await h().api("GET", "/v1/no-such-thing");
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });
});
