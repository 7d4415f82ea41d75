import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.ts";
import { KeywordMatcher, MAX_MESSAGE_LENGTH } from "./keywords.ts";

describe("Keyword matching", () => {
  const matcher = new KeywordMatcher([
    { keyword: "退货", label: "returns" },
    { keyword: "refund", label: "returns" },
    { keyword: "会员日", label: "member_day" },
    { keyword: "he", label: "he" },
    { keyword: "she", label: "she" },
    { keyword: "hers", label: "hers" },
  ]);

  it("finds every tag whose keyword occurs, overlapping ones included", () => {
    expect(matcher.match("我想退货，什么时候会员日？")).toEqual(new Set(["returns", "member_day"]));
    expect(matcher.match("ushers")).toEqual(new Set(["she", "he", "hers"]));
    expect(matcher.match("nothing here")).toEqual(new Set(["he"]));
    expect(matcher.match("hi")).toEqual(new Set());
  });

  it("ignores letter case and full-width forms", () => {
    expect(matcher.match("I want a ＲＥＦＵＮＤ")).toEqual(new Set(["returns"]));
    expect(matcher.match("REFUND please")).toEqual(new Set(["returns"]));
  });

  it("reads a hostile message in linear time, whatever the keywords", () => {
    const many = new KeywordMatcher(
      Array.from({ length: 5_000 }, (_, i) => ({ keyword: `${"a".repeat(40)}${i}`, label: `t${i % 50}` })),
    );
    const started = performance.now();
    expect(many.match("a".repeat(MAX_MESSAGE_LENGTH * 10))).toEqual(new Set());
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe("Reading CSV", () => {
  it("reads a header and rows, with quotes, CRLF and blank lines", () => {
    const result = parseCsv(
      'member_id,Expires_At\r\nmem_1,\r\n\r\n"mem_2","2026-05-01T00:00:00Z"\n"a ""quoted"" one",x',
    );
    expect(result).toEqual({
      ok: true,
      header: ["member_id", "expires_at"],
      rows: [
        { line: 2, cells: ["mem_1", ""] },
        { line: 4, cells: ["mem_2", "2026-05-01T00:00:00Z"] },
        { line: 5, cells: ['a "quoted" one', "x"] },
      ],
    });
  });

  it("names the line of a malformed field", () => {
    expect(parseCsv('phone\n"138\n')).toEqual({
      ok: false,
      line: 2,
      message: "a quoted field is not closed",
    });
    expect(parseCsv('phone\n13x"8\n')).toMatchObject({ ok: false, line: 2 });
    expect(parseCsv("")).toMatchObject({ ok: false, line: 1 });
  });
});
