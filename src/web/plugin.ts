// Serves the built web faces: the admin console at /admin, the member center at /m, the staff pages at /staff.
// Each face is a single-page app, so every path under its prefix answers with that face's index.html.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { WEB_DIST } from "./build.ts";

/** URL prefix → the folder of the face's index.html inside web/dist. */
export const WEB_FACES = { "/admin": "admin", "/m": "member", "/staff": "staff" } as const;

const NOT_BUILT =
  "<!doctype html><meta charset=utf-8><title>Enclave</title>" +
  "<p>The web pages are not built. Run <code>npm run build:web</code> (npm start does it for you).</p>";

export async function webRoutes(app: FastifyInstance): Promise<void> {
  // The folder may not exist before the first build; files are looked up per request, so a later build is served.
  const assets = join(WEB_DIST, "assets");
  mkdirSync(assets, { recursive: true });
  // Built file names carry a content hash, so browsers may keep them for good. The build writes a .br and a .gz
  // beside each text asset; a browser that accepts one gets it (with Vary: accept-encoding), at no CPU per request.
  await app.register(fastifyStatic, {
    root: assets,
    prefix: "/assets/",
    decorateReply: false,
    immutable: true,
    maxAge: "365d",
    preCompressed: true,
  });

  // Read on each request (a small file the OS keeps cached): a rebuild while the server runs is picked up at once.
  const page = (folder: string): string | undefined => {
    const file = join(WEB_DIST, folder, "index.html");
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  };
  const sendPage = (reply: FastifyReply, folder: string) => {
    const html = page(folder);
    return reply
      .code(html ? 200 : 503)
      .header("cache-control", "no-cache")
      .type("text/html; charset=utf-8")
      .send(html ?? NOT_BUILT);
  };

  for (const [prefix, folder] of Object.entries(WEB_FACES)) {
    app.get(prefix, { schema: { hide: true } }, (_request, reply) => sendPage(reply, folder));
    app.get(`${prefix}/*`, { schema: { hide: true } }, (_request, reply) => sendPage(reply, folder));
  }
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/admin"));
  // Printed channel QR codes may say /member/join?…: the member center's long name, kept working for good.
  const toMemberCenter = (url: string) => `/m${url.slice("/member".length)}`;
  app.get("/member", { schema: { hide: true } }, (request, reply) =>
    reply.redirect(toMemberCenter(request.url), 301),
  );
  app.get("/member/*", { schema: { hide: true } }, (request, reply) =>
    reply.redirect(toMemberCenter(request.url), 301),
  );
}
