import { createHmac } from "node:crypto";
import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import { problemOf } from "./fixtures/index.ts";
import { checkPayload, lineFromTotals, parseInstant, signatureMatches } from "./payload.ts";

const SECRET = "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";
const sign = (body: Buffer | string, secret = SECRET) =>
  createHmac("sha256", secret).update(body).digest("base64");

describe("webhook signatures", () => {
  const body = Buffer.from('{"id":1,"total_price":"128.90"}');

  it("accepts the base64 HMAC-SHA256 of the exact bytes under the secret", () => {
    expect(signatureMatches(body, SECRET, sign(body))).toBe(true);
  });

  it("refuses another secret, another body, a re-serialised body, and a missing or malformed header", () => {
    expect(signatureMatches(body, SECRET, sign(body, "another-secret"))).toBe(false);
    expect(signatureMatches(Buffer.from('{"id":1,"total_price":"1289.0"}'), SECRET, sign(body))).toBe(false);
    // Same JSON, other bytes: the signature covers bytes, which is why the route keeps the raw body.
    expect(signatureMatches(Buffer.from('{"id": 1, "total_price": "128.90"}'), SECRET, sign(body))).toBe(
      false,
    );
    expect(signatureMatches(body, SECRET, undefined)).toBe(false);
    expect(signatureMatches(body, SECRET, "")).toBe(false);
    expect(signatureMatches(body, SECRET, "not base64 at all")).toBe(false);
    expect(signatureMatches(body, SECRET, sign(body).slice(0, 20))).toBe(false);
  });
});

describe("payload checking", () => {
  const Shape = Type.Object({
    id: Type.Integer(),
    customer: Type.Optional(Type.Union([Type.Null(), Type.Object({ id: Type.Integer() })])),
    line_items: Type.Array(Type.Object({ price: Type.String(), quantity: Type.Integer() })),
  });

  it("returns the payload, extra fields and all, when the fields read are there", () => {
    const payload = { id: 7, customer: null, line_items: [], note: "anything else is ignored" };
    expect(checkPayload(Shape, payload)).toBe(payload);
  });

  it("names the deepest field at fault as a JSON pointer into the payload", () => {
    const wrongType = problemOf(() =>
      checkPayload(Shape, { id: 7, line_items: [{ price: 19.99, quantity: 1 }] }),
    );
    expect(wrongType.code).toBe("validation-failed");
    expect(wrongType.errors?.[0]?.field).toBe("/line_items/0/price");
    const missing = problemOf(() => checkPayload(Shape, { line_items: [] }));
    expect(missing.errors?.map((e) => e.field)).toEqual(["/id"]);
    expect(missing.errors?.[0]?.message).toBe("is required");
    const nested = problemOf(() => checkPayload(Shape, { id: 1, customer: { id: "x" }, line_items: [] }));
    expect(nested.errors?.[0]?.field).toBe("/customer/id");
  });
});

describe("lines from gross and net totals", () => {
  it("keeps the net exact when the subtotal does not divide by the quantity", () => {
    const line = lineFromTotals({ sku: "CD", quantity: 3, gross_minor: 1000, net_minor: 1000 }, "/x");
    expect(line).toMatchObject({ quantity: 3, unit_price_minor: 334, discount_minor: 2 });
    expect(line.quantity * line.unit_price_minor - (line.discount_minor ?? 0)).toBe(1000);
  });

  it("turns a coupon into the line discount", () => {
    expect(lineFromTotals({ sku: "T", quantity: 2, gross_minor: 8000, net_minor: 7000 }, "/x")).toMatchObject(
      { unit_price_minor: 4000, discount_minor: 1000 },
    );
  });

  it("refuses a net above the gross", () => {
    expect(
      problemOf(() =>
        lineFromTotals({ sku: "T", quantity: 1, gross_minor: 100, net_minor: 101 }, "/line_items/0/total"),
      ).errors?.[0]?.field,
    ).toBe("/line_items/0/total");
  });
});

describe("instants", () => {
  it("needs an explicit zone unless the platform is known to send UTC without one", () => {
    expect(parseInstant("2026-03-09T21:14:03+08:00", "/x").toISOString()).toBe("2026-03-09T13:14:03.000Z");
    expect(parseInstant("2026-03-09T13:30:12", "/x", { assumeUtc: true }).toISOString()).toBe(
      "2026-03-09T13:30:12.000Z",
    );
    expect(problemOf(() => parseInstant("yesterday", "/created_at")).errors?.[0]?.field).toBe("/created_at");
  });
});
