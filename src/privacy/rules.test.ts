import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditedRequest } from "./audit-rules.ts";
import { ERASED_VALUE, PERSONAL_KEYS, scrubPayload } from "./rules.ts";

describe("scrubbing stored events", () => {
  it("removes personal keys at any depth and replaces the member's former values", () => {
    const { payload, changed } = scrubPayload(
      {
        member_id: "mem_1",
        card_no: "123456789012",
        order: { customer_phone: "+8613700000001", lines: [{ sku: "TEA", note: "for Li Lei" }] },
        message: "sent to +8613700000001",
        points: 40,
      },
      ["+8613700000001", "123456789012"],
    );
    expect(changed).toBe(true);
    expect(payload).toEqual({
      member_id: "mem_1",
      order: { lines: [{ sku: "TEA" }] },
      message: ERASED_VALUE,
      points: 40,
    });
  });

  it("leaves an event without personal data as it was", () => {
    const event = { member_id: "mem_1", points: 10, rule_id: "rule_1" };
    const result = scrubPayload(event, ["+8613700000001", "7"]);
    expect(result).toEqual({ payload: event, changed: false });
    // A short former value (an identity "7") replaces only a whole string, never a part of one.
    expect(scrubPayload({ ref: "7", other: "a7b" }, ["7"]).payload).toEqual({
      ref: ERASED_VALUE,
      other: "a7b",
    });
  });

  it("never leaves a personal key or a former value in what it returns", () => {
    const former = fc.string({ minLength: 6, maxLength: 14 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.integer(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...PERSONAL_KEYS)), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), json, { maxKeys: 5 }),
        fc.array(former, { maxLength: 3 }),
        (p, v) => {
          const text = JSON.stringify(scrubPayload(p, v).payload);
          for (const value of v) expect(text.includes(JSON.stringify(value).slice(1, -1))).toBe(false);
          for (const key of PERSONAL_KEYS) expect(text.includes(`"${key}":`)).toBe(false);
        },
      ),
    );
  });
});

describe("which requests the audit log records", () => {
  const request = (method: string, route: string, parts: Record<string, unknown> = {}) =>
    auditedRequest({ method, route, params: {}, query: {}, body: undefined, ...parts });

  it("records reads and changes naming a member, and member lists, lookups and exports", () => {
    expect(request("GET", "/v1/members/:member_id", { params: { member_id: "mem_1" } })).toEqual({
      action: "member_data.read",
      member_id: "mem_1",
    });
    expect(request("POST", "/v1/checkout/quote", { body: { member_id: "mem_2" } })).toEqual({
      action: "member_data.read",
      member_id: "mem_2",
    });
    expect(request("GET", "/v1/orders", { query: { member_id: "mem_3" } })?.member_id).toBe("mem_3");
    expect(request("GET", "/v1/members/lookup")).toEqual({ action: "member_data.read", member_id: null });
    expect(request("GET", "/v1/audience/segments/:segment_id/export")?.action).toBe("member_data.export");
    expect(
      request("POST", "/v1/members/:member_id/erasure", { params: { member_id: "mem_1" } })?.action,
    ).toBe("member_data.erase");
  });

  it("leaves out requests that touch no member, and reading the audit log itself", () => {
    expect(request("GET", "/v1/tiers")).toBeUndefined();
    expect(request("POST", "/v1/coupon-templates", { body: { name: "x" } })).toBeUndefined();
    expect(request("GET", "/v1/audit-log", { query: { member_id: "mem_1" } })).toBeUndefined();
  });
});
