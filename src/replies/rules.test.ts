import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { render, variablesOf } from "./rules.ts";

describe("reply scripts", () => {
  it("fills the variables it has and reports the ones it lacks", () => {
    const body = "{{member_name}}您好，我是{{ guide_name }}，您的券 {{coupon}} 今天到期";
    expect(variablesOf(body)).toEqual(["member_name", "guide_name", "coupon"]);
    expect(render(body, { member_name: "王女士", guide_name: "小李" })).toEqual({
      text: "王女士您好，我是小李，您的券 {{coupon}} 今天到期",
      missing: ["coupon"],
    });
  });

  it("does not re-read a value as a template (a member named {{x}} stays literal)", () => {
    expect(render("Hi {{member_name}}", { member_name: "{{guide_name}}", guide_name: "X" }).text).toBe(
      "Hi {{guide_name}}",
    );
  });

  it("leaves text without variables unchanged", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("{{")),
        (text) => {
          expect(render(text, { a: "b" })).toEqual({ text, missing: [] });
        },
      ),
    );
  });
});
