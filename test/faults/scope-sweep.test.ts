import { beforeAll, expect, it, vi } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { useEnclave } from "../support/harness.ts";
import {
  type ApiOperation,
  fillPath,
  loadOpenApi,
  type OpenApi,
  operationsOf,
  queryParameters,
  queryString,
  resolverOf,
} from "../support/openapi.ts";
import { pathIdsOf, seedWorld, type World, type WorldMember } from "../support/world.ts";
import {
  destructiveLast,
  describeProbe,
  Exposure,
  fillQuery,
  notFound,
  type Probe,
  probesOf,
  referencesOf,
  send,
  Snapshot,
  sweptOperations,
} from "./sweep.ts";

/**
 * Every operation of the OpenAPI document, called with ids that are not the caller's to use, wherever a request
 * names one: in the path, in the query and in schema-valid bodies (every field that names an object set to one).
 *
 * - Another brand: brand A's write key, owner session and member session, with brand B's real ids (members,
 *   orders, coupons, templates, packs, tiers, plans, rewards, tags, segments, campaigns, tasks, codes, webhooks,
 *   messages, checkouts…), alone and inside A's own objects (A's tag in the path, B's member in the body).
 * - A guide outside their scope: the guide of store S2, with store S1's member wherever a request names a member,
 *   inside S2's own objects, and that member's own objects in the path.
 *
 * Nothing answers 5xx; no success carries the other side's ids or personal data that the request did not send
 * (see `Exposure`); and every answer the other side gets about its objects (each GET route, read before and
 * after the sweep) is the same. `SWEEP_BODIES` sets the valid bodies per operation (`npm run test:faults` runs
 * more); `SWEEP_REPORT=1` prints what the sweeps did.
 */

const BODIES = Number(process.env.SWEEP_BODIES ?? 2);
const SEED = 20_261_208;

interface Tally {
  requests: number;
  operations: Set<string>;
  statuses: Map<number, number>;
}

// Seeding two brands takes a while on the embedded database; the sweeps are a few thousand requests.
vi.setConfig({ testTimeout: 300_000 });

describeEachDatabase(
  "Scope sweep: another brand's ids, another store's member, in path, query and body",
  (db) => {
    const h = useEnclave(db);
    let doc: OpenApi;
    let A: World;
    let B: World;
    let operations: ApiOperation[];
    /** What brand A has seen of brand B, over both cross-tenant sweeps. */
    let exposure: Exposure;
    /** Every GET route as B's owner (B's m1 for the member center, B's guide for the staff pages), before them. */
    let brandB: Snapshot;

    beforeAll(async () => {
      doc = await loadOpenApi(h());
      A = await seedWorld(h(), await h().newBrand(), "alpha");
      B = await seedWorld(h(), await h().newBrand(), "bravo");
      operations = destructiveLast(sweptOperations(operationsOf(doc)));
      expect(operations.length).toBeGreaterThan(200);
      exposure = new Exposure(stringsOf(B));
      brandB = await Snapshot.take(h(), readsOf(B, B.m1));
      expect(brandB.size).toBeGreaterThan(100);
    }, 180_000);

    const memberCenter = (path: string) => /^\/v1\/me(\/|$)/.test(path);

    /** Every GET route `only` keeps, as `world`'s owner (and as `member` for the member center), about `member`. */
    const readsOf = (world: World, member: WorldMember, only: (o: ApiOperation) => boolean = () => true) => {
      const resolve = resolverOf(doc);
      const refs = referencesOf(world, member);
      return operations
        .filter((o) => o.method === "GET" && only(o))
        .map((o) => ({
          url:
            fillPath(o.path, (name) => pathIdsOf(world, member)(o.path, name)) +
            queryString(fillQuery(o, refs, resolve).variants[0] ?? {}),
          token: memberCenter(o.path)
            ? member.token
            : o.path.startsWith("/v1/my/")
              ? world.guideA.token
              : world.brand.ownerToken,
        }));
    };

    /** What belongs to `world` (or, given `members`, to those members alone), for `Exposure`. */
    const stringsOf = (world: World, members?: WorldMember[]) => {
      const whose = members ?? [world.m1, world.m2];
      const { playbook: _everyBrands, ...ids } = world.ids;
      return {
        personal: [
          ...whose.flatMap((m) => [m.name, m.email, m.card_no]),
          ...(members ? [] : [world.guideA.name, world.guideB.name]),
        ],
        keys: [
          ...whose.flatMap((m) => [
            m.phone,
            m.order_external_id,
            m.checkout,
            m.identity.value,
            m.referral_code,
          ]),
          ...(members ? [] : Object.values(world.codes)),
        ],
        ids: [
          ...whose.flatMap((m) => [
            m.member_id,
            m.order_id,
            m.coupon,
            m.subscription_id,
            m.redemption_id,
            m.application_id,
          ]),
          ...(members
            ? []
            : [
                world.brand.tenantId,
                world.brand.slug,
                ...Object.values(world.org),
                world.guideA.id,
                world.guideB.id,
                ...Object.values(ids),
              ]),
        ],
      };
    };

    /**
     * Sends each probe with `token`: no 5xx; no success when the path names their object (where `refusedPath`);
     * nothing of theirs in a success (`seen`); and a write that names their member (`member`) and still succeeds is
     * a batch that lists the member as not found, or does not name it in its answer at all (a chat message from an
     * unknown member).
     */
    async function sweep(
      probes: Probe[],
      token: string,
      seen: Exposure,
      member: string,
      t: Tally,
      refusedPath: (path: string) => boolean,
    ): Promise<void> {
      for (const probe of probes) {
        const res = await send(h(), probe, token);
        t.requests++;
        t.operations.add(`${probe.method} ${probe.path}`);
        t.statuses.set(res.status, (t.statuses.get(res.status) ?? 0) + 1);
        const where = describeProbe(probe, res);
        if (process.env.SWEEP_REPORT === "all") console.log(probe.names.join(","), where);
        expect(res.status, where).toBeLessThan(500);
        // Their object in the path: refused (404 as if absent, or refused earlier for the credential or the body).
        if (probe.names.includes("path") && refusedPath(probe.path))
          expect(res.status, where).toBeGreaterThanOrEqual(400);
        seen.check(probe, res);
        const sent = probe.url + JSON.stringify(probe.body ?? "");
        if (probe.method !== "GET" && res.status < 300 && sent.includes(member) && res.text.includes(member))
          expect(notFound(res.text), `${where}: acted on their member`).toContain(member);
      }
    }

    const tally = (): Tally => ({ requests: 0, operations: new Set(), statuses: new Map() });
    const report = (what: string, t: Tally, seen: Exposure) => {
      if (!process.env.SWEEP_REPORT) return;
      const statuses = JSON.stringify([...t.statuses].sort((a, b) => a[0] - b[0]));
      console.log(
        `${what}: ${t.requests} requests over ${t.operations.size} operations; statuses ${statuses}`,
      );
      for (const [op, ids] of seen.accepted) console.log(`  accepted their ids: ${op} ${[...ids].join(" ")}`);
    };

    /** B's objects wherever a request names one; inside A's own objects, each field of the query and body alone. */
    const crossTenantProbes = (): Probe[] =>
      operations.flatMap((operation, i) =>
        probesOf(doc, operation, {
          own: { pathIds: pathIdsOf(A), refs: referencesOf(A, A.m1, undefined, true) },
          theirs: { pathIds: pathIdsOf(B), refs: referencesOf(B, B.m1) },
          bodies: BODIES,
          seed: SEED + i,
        }),
      );

    it("never shows or changes a brand's objects to another brand's API key or owner session", async () => {
      const probes = crossTenantProbes();
      const t = tally();
      for (const token of [A.brand.writeKey, A.brand.ownerToken])
        await sweep(probes, token, exposure, B.m1.member_id, t, () => true);
      report("another brand's write key and owner session", t, exposure);
      expect(t.operations.size).toBe(operations.length);
      // Requests got past the door to the objects they name, and some of them in A's own objects succeeded.
      expect(t.statuses.get(404) ?? 0).toBeGreaterThan(operations.length);
      expect(t.statuses.get(200) ?? 0).toBeGreaterThan(100);
      await brandB.expectUnchanged("brand B after brand A's key and owner sweep");
    });

    it("never shows or changes a brand's objects to another brand's member session", async () => {
      // Every request of the member center; the first of every other route (the rest is staff's, refused at the door).
      const firsts = new Set<string>();
      const probes = crossTenantProbes().filter((p) => {
        const first = !firsts.has(`${p.method} ${p.path}`);
        firsts.add(`${p.method} ${p.path}`);
        return first || memberCenter(p.path);
      });
      const t = tally();
      await sweep(probes, A.m1.token, exposure, B.m1.member_id, t, () => true);
      report("another brand's member session", t, exposure);
      expect(t.operations.size).toBe(operations.length);
      // The member reached its own routes with B's ids in them (the sweep is not all refusals at the door).
      expect(t.statuses.get(200) ?? 0).toBeGreaterThan(10);
      await brandB.expectUnchanged("brand B after brand A's member sweep");
      // Nor does A's own data now hold anything of B's that A did not send itself.
      for (const [url, text] of await (await Snapshot.take(h(), readsOf(A, A.m1))).texts()) {
        exposure.expectAbsent(text, "", `A's GET ${url} after the sweeps`);
      }
    });

    it("never shows or changes a member outside a guide's store, wherever the request names the member", async () => {
      // In brand B (left as it was by the sweeps above): B's guide of store S2, and S1's member m1.
      const guide = B.guideB;
      const victim = B.m1;
      const memberPath = /\{(member_id|order_id|coupon|subscription_id|redemption_id|application_id)\}/;
      const aboutVictim = (o: ApiOperation) =>
        memberPath.test(o.path) ||
        memberCenter(o.path) ||
        queryParameters(o.op).some((p) => p.name === "member_id");
      const before = await Snapshot.take(h(), readsOf(B, victim, aboutVictim));
      expect(before.size).toBeGreaterThan(25);

      // The guide's own store, guide and member (S2's m2) in every other field, so a request gets as far as the
      // member; their member's own objects (order, coupon, checkout…) in the path.
      const scope = { store: B.org.s2, guide: guide.id };
      const probes = operations.flatMap((operation, i) =>
        probesOf(doc, operation, {
          own: { pathIds: pathIdsOf(B, B.m2), refs: referencesOf(B, B.m2, scope, true) },
          theirs: { pathIds: pathIdsOf(B, victim), refs: referencesOf(B, victim, scope) },
          bodies: BODIES,
          seed: SEED + i,
        }),
      );
      // Only what is the member's differs between the two sides (and the path's staff and store, S1's).
      const naming = probes.filter((p) => p.names.length > 0);
      const namingOperations = new Set(naming.map((p) => `${p.method} ${p.path}`));
      expect(namingOperations.size).toBeGreaterThan(55);

      const seen = new Exposure(stringsOf(B, [victim]));
      const t = tally();
      await sweep(probes, guide.token, seen, victim.member_id, t, (path) => memberPath.test(path));
      report(`a guide outside the scope (${namingOperations.size} operations name the member)`, t, seen);
      expect(t.operations.size).toBe(operations.length);
      await before.expectUnchanged("the member outside the guide's scope");

      // The member's own guide reads the same routes: the refusals above are the scope, not broken requests.
      let ownReads = 0;
      for (const probe of naming.filter((p) => p.method === "GET" && p.names.includes("path"))) {
        if ((await send(h(), probe, B.guideA.token)).status === 200) ownReads++;
      }
      expect(ownReads).toBeGreaterThan(10);
    });
  },
);
