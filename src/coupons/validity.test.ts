import { describe, expect, it } from "vitest";
import { couponValidity, validityProblem } from "./validity.ts";

const SHANGHAI = "Asia/Shanghai";
// 2026-05-06 12:00 in Shanghai.
const ISSUED = new Date("2026-05-06T04:00:00Z");

describe("when an issued coupon may be used", () => {
  it("runs a relative coupon from issue to the end of the brand-local day N days later", () => {
    expect(couponValidity({ kind: "relative", days: 7 }, ISSUED, SHANGHAI)).toEqual({
      valid_from: ISSUED,
      valid_until: new Date("2026-05-13T15:59:59.999Z"),
    });
  });

  it("starts a delayed coupon at the brand-local midnight (valid from tomorrow)", () => {
    const v = couponValidity({ kind: "relative", days: 7, starts_after_days: 1 }, ISSUED, SHANGHAI);
    expect(v).toMatchObject({ valid_from: new Date("2026-05-06T16:00:00Z") });
  });

  it("gives a fixed window as is, and nothing once it has ended", () => {
    const fixed = {
      kind: "fixed" as const,
      starts_at: "2026-05-01T00:00:00Z",
      ends_at: "2026-06-01T00:00:00Z",
    };
    expect(couponValidity(fixed, ISSUED, SHANGHAI)).toEqual({
      valid_from: new Date(fixed.starts_at),
      valid_until: new Date(fixed.ends_at),
    });
    expect(couponValidity(fixed, new Date("2026-06-01T00:00:00Z"), SHANGHAI)).toEqual({ ended: true });
  });

  it("refuses windows that end before they start", () => {
    expect(
      validityProblem({ kind: "fixed", starts_at: "2026-06-01T00:00:00Z", ends_at: "2026-05-01T00:00:00Z" }),
    ).toBe("ends_at must be after starts_at");
    expect(validityProblem({ kind: "relative", days: 3, starts_after_days: 5 })).toBe(
      "starts_after_days must not exceed days",
    );
    expect(validityProblem({ kind: "relative", days: 30 })).toBeUndefined();
  });
});
