import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import { memberToken, newMember, pointsOf, timeline } from "../engagement.test-support.ts";

const START = new Date("2026-11-04T02:00:00Z");
const DAY_MS = 86_400_000;

interface Application {
  application_id: string;
  status: string;
  phone: string;
  points_awarded: number;
}

describeEachDatabase("Product trials", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  let trialCounter = 0;

  async function trial(brand: Brand, quota: number) {
    const res = await h().api<{ trial_id: string }>("POST", "/v1/trials", {
      token: brand.writeKey,
      body: {
        code: `TRY${++trialCounter}`,
        name: "New jasmine tea",
        product_sku: "TEA-JASMINE",
        quota,
        applications_open_at: START.toISOString(),
        applications_close_at: new Date(START.getTime() + 7 * DAY_MS).toISOString(),
        feedback_points: 30,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.trial_id;
  }

  async function applicant(brand: Brand, trialId: string) {
    const id = await newMember(h(), brand);
    const token = await memberToken(h(), brand, id);
    const res = await h().api<Application>("POST", `/v1/me/trials/${trialId}/applications`, {
      token,
      body: { recipient_name: "Li Lei", phone: "13912345678", address: "88 Nanjing Road, Shanghai" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id, token, application: res.body };
  }

  const act = (brand: Brand, applicationId: string, action: string, body?: unknown) =>
    h().api<Application>("POST", `/v1/trial-applications/${applicationId}/${action}`, {
      token: brand.writeKey,
      ...(body ? { body } : {}),
    });

  it("runs a trial from application to review, approving up to the quota", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const trialId = await trial(brand, 1);
    const open = await h().api<{ items: { trial_id: string }[] }>("GET", "/v1/me/trials", {
      token: await memberToken(h(), brand, await newMember(h(), brand)),
    });
    expect(open.body.items.map((t) => t.trial_id)).toEqual([trialId]);
    const winner = await applicant(brand, trialId);
    const other = await applicant(brand, trialId);
    expect(winner.application).toMatchObject({ status: "applied", phone: "+8613912345678" });
    expect((await act(brand, winner.application.application_id, "approve")).body.status).toBe("approved");
    const over = await act(brand, other.application.application_id, "approve");
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: "insufficient-stock" });
    expect((await act(brand, other.application.application_id, "reject")).body.status).toBe("rejected");
    // Reviews come after shipping.
    const early = await h().api(
      "POST",
      `/v1/me/trial-applications/${winner.application.application_id}/feedback`,
      {
        token: winner.token,
        body: { rating: 5, feedback: "Lovely and fresh" },
      },
    );
    expect(early.status).toBe(409);
    const shipped = await act(brand, winner.application.application_id, "ship", { tracking_no: "SF123" });
    expect(shipped.body.status).toBe("shipped");
    const review = await h().api<Application>(
      "POST",
      `/v1/me/trial-applications/${winner.application.application_id}/feedback`,
      { token: winner.token, body: { rating: 5, feedback: "Lovely and fresh" } },
    );
    expect(review.status, JSON.stringify(review.body)).toBe(200);
    expect(review.body).toMatchObject({ status: "reviewed", points_awarded: 30 });
    expect(await pointsOf(h(), brand, winner.id)).toBe(30);
    const again = await h().api(
      "POST",
      `/v1/me/trial-applications/${winner.application.application_id}/feedback`,
      {
        token: winner.token,
        body: { rating: 1, feedback: "Changed my mind" },
      },
    );
    expect(again.status).toBe(409);
    expect(await pointsOf(h(), brand, winner.id)).toBe(30);
    const types = (await timeline(h(), brand, winner.id))
      .map((e) => e.type)
      .filter((t) => t.startsWith("trial."));
    expect(types).toEqual(["trial.reviewed", "trial.shipped", "trial.approved", "trial.applied"]);
    const list = await h().api<{ items: Application[] }>(
      "GET",
      `/v1/trials/${trialId}/applications?status=rejected`,
      {
        token: brand.readKey,
      },
    );
    expect(list.body.items.map((a) => a.application_id)).toEqual([other.application.application_id]);
  });

  it("takes one application per member, only while open, and keeps members to their own", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const trialId = await trial(brand, 5);
    const first = await applicant(brand, trialId);
    const twice = await h().api("POST", `/v1/me/trials/${trialId}/applications`, {
      token: first.token,
      body: { recipient_name: "Li Lei", phone: "13912345678", address: "88 Nanjing Road, Shanghai" },
    });
    expect(twice.status).toBe(409);
    const intruder = await applicant(brand, trialId);
    await act(brand, first.application.application_id, "approve");
    await act(brand, first.application.application_id, "ship", { tracking_no: "SF1" });
    const foreign = await h().api(
      "POST",
      `/v1/me/trial-applications/${first.application.application_id}/feedback`,
      {
        token: intruder.token,
        body: { rating: 5, feedback: "Not mine but nice" },
      },
    );
    expect(foreign.status).toBe(404);
    clock.set(new Date(START.getTime() + 8 * DAY_MS));
    const late = await newMember(h(), brand);
    const closed = await h().api("POST", `/v1/me/trials/${trialId}/applications`, {
      token: await memberToken(h(), brand, late),
      body: { recipient_name: "Han Meimei", phone: "13912345679", address: "1 Huaihai Road, Shanghai" },
    });
    expect(closed.body).toMatchObject({ code: "business-rule" });
    const otherBrand = await h().newBrand();
    expect((await h().api("GET", `/v1/trials/${trialId}`, { token: otherBrand.readKey })).status).toBe(404);
    expect((await act(otherBrand, first.application.application_id, "reject")).status).toBe(404);
  });

  it("never approves more than the quota, however many approvals run at once", async () => {
    clock.set(START);
    const brand = await h().newBrand();
    const trialId = await trial(brand, 3);
    const applications = [];
    for (let i = 0; i < 6; i++)
      applications.push((await applicant(brand, trialId)).application.application_id);
    const results = await Promise.all(applications.map((id) => act(brand, id, "approve")));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    const t = await h().api<{ approved_count: number }>("GET", `/v1/trials/${trialId}`, {
      token: brand.readKey,
    });
    expect(t.body.approved_count).toBe(3);
  });
});
