import { expect, it } from "vitest";
import { Problem } from "../../src/platform/http/problems.ts";

it("keeps a problem's standard members when an extension carries the same name", () => {
  const body = new Problem("conflict", "cannot approve an application that is approved", {
    extensions: { status: "approved", type: "x", application_status: "approved" },
  }).body("/v1/trial-applications/a/approve", "req-1");
  expect(body).toMatchObject({ status: 409, type: "/problems/conflict", code: "conflict" });
  expect(body).toMatchObject({ application_status: "approved" });
});
