import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { intakeSubject, memberKey, parseIntakeSubject, partitionOf, partitionsOf } from "./partitions.ts";

describe("intake partitions", () => {
  it("gives every partition to exactly one of the workers", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 64 }), (workers, partitions) => {
        const owned = Array.from({ length: workers }, (_, w) => partitionsOf(w, workers, partitions)).flat();
        expect(owned.sort((a, b) => a - b)).toEqual(Array.from({ length: partitions }, (_, p) => p));
      }),
    );
  });

  it("sends one member's orders to one partition, named however the phone is written", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9_]{1,30}$/),
        fc.integer({ min: 1, max: 64 }),
        (id, partitions) => {
          const p = partitionOf(memberKey({ member_id: id }), partitions);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThan(partitions);
          expect(partitionOf(memberKey({ member_id: id }), partitions)).toBe(p);
        },
      ),
    );
    expect(memberKey({ phone: "+86 138-0000-0001" })).toBe(memberKey({ phone: "+8613800000001" }));
  });

  it("reads back the brand and partition of a subject, and refuses others", () => {
    expect(parseIntakeSubject(intakeSubject("ten_1", 7))).toEqual({ tenantId: "ten_1", partition: 7 });
    expect(parseIntakeSubject("enclave.orders.ten_1")).toBeUndefined();
    expect(parseIntakeSubject("enclave.orders.ten_1.x")).toBeUndefined();
    expect(() => partitionsOf(2, 2, 8)).toThrow();
  });
});
