import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, RefusedTarget, resolveAllowedHost } from "./outbound.ts";
import { type Receiver, startReceiver } from "./receiver.test-support.ts";

/** This machine's own name: on most hosts it resolves to a loopback address, like a rebinding attacker's name would. */
const NAME = hostname();
const resolvesToLoopback = await lookup(NAME)
  .then((r) => r.address.startsWith("127.") || r.address === "::1")
  .catch(() => false);

describe("outgoing HTTP behind the SSRF guard", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 202, body: '{"id":"x"}' }));
  });
  afterAll(async () => {
    await receiver.close();
  });
  const port = () => new URL(receiver.url).port;

  it("refuses a literal loopback address before connecting, and reaches it when allowed", async () => {
    await expect(
      postJson(receiver.url, "{}", {}, { timeoutMs: 2_000, allowPrivate: false }),
    ).rejects.toBeInstanceOf(RefusedTarget);
    expect(receiver.received).toHaveLength(0);
    const answer = await postJson(
      receiver.url,
      "{}",
      { "x-test": "1" },
      { timeoutMs: 2_000, allowPrivate: true },
    );
    expect(answer).toEqual({ statusCode: 202, body: '{"id":"x"}' });
    expect(receiver.received[0]?.headers["x-test"]).toBe("1");
  });

  it.runIf(resolvesToLoopback)(
    "refuses a name that resolves to loopback, in the connection's own lookup",
    async () => {
      const before = receiver.received.length;
      const url = `http://${NAME}:${port()}/hooks`;
      await expect(postJson(url, "{}", {}, { timeoutMs: 2_000, allowPrivate: false })).rejects.toBeInstanceOf(
        RefusedTarget,
      );
      await expect(resolveAllowedHost(NAME, false)).rejects.toBeInstanceOf(RefusedTarget);
      expect(receiver.received.length).toBe(before);
      expect((await postJson(url, "{}", {}, { timeoutMs: 2_000, allowPrivate: true })).statusCode).toBe(202);
    },
  );

  it("gives up on a receiver that does not answer in time", async () => {
    receiver.answer = () => ({ status: 200, delayMs: 1_000 });
    try {
      await expect(postJson(receiver.url, "{}", {}, { timeoutMs: 200, allowPrivate: true })).rejects.toThrow(
        "no answer within 200 ms",
      );
    } finally {
      receiver.answer = () => ({ status: 202 });
    }
  });
});
