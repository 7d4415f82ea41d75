import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { memberToken, newMember } from "./engagement.test-support.ts";
import { forgetEngagementPersonalData, memberEngagementData } from "./personal-data.ts";

describeEachDatabase("Engagement personal data", (database) => {
  const h = useEnclave(database);

  it("exports what a member did and erases what they typed, keeping counts", async () => {
    const brand = await h().newBrand();
    const db = h().enclave.platform.database.db;
    const inviter = await newMember(h(), brand);
    const code = (
      await h().api<{ code: string }>("GET", "/v1/me/referral", {
        token: await memberToken(h(), brand, inviter),
      })
    ).body.code;
    const member = await newMember(h(), brand);
    const token = await memberToken(h(), brand, member);
    expect((await h().api("POST", "/v1/me/checkins", { token })).status).toBe(201);
    const bound = await h().api("POST", "/v1/me/referral", { token, body: { code, device_id: "phone-xyz" } });
    expect(bound.status).toBe(201);
    const trial = await h().api<{ trial_id: string }>("POST", "/v1/trials", {
      token: brand.writeKey,
      body: {
        code: "T",
        name: "Trial",
        product_sku: "SKU",
        quota: 1,
        applications_open_at: new Date(Date.now() - 60_000).toISOString(),
        applications_close_at: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    const applied = await h().api("POST", `/v1/me/trials/${trial.body.trial_id}/applications`, {
      token,
      body: {
        recipient_name: "Li Lei",
        phone: "13912345678",
        address: "88 Nanjing Road",
        reason: "I love tea",
      },
    });
    expect(applied.status).toBe(201);

    const exported = await memberEngagementData(db, brand.tenantId, member);
    expect(exported.checkins).toHaveLength(1);
    expect(exported.referrals).toEqual([
      expect.objectContaining({ inviter_id: inviter, device_id: "phone-xyz" }),
    ]);
    expect(exported.trial_applications).toEqual([expect.objectContaining({ address: "88 Nanjing Road" })]);

    await db.transaction().execute((tx) => forgetEngagementPersonalData(tx, brand.tenantId, member));
    const after = await memberEngagementData(db, brand.tenantId, member);
    expect(after.trial_applications).toEqual([
      expect.objectContaining({
        recipient_name: "[erased]",
        phone: "[erased]",
        address: "[erased]",
        reason: null,
        status: "applied",
      }),
    ]);
    expect(after.referrals).toEqual([expect.objectContaining({ device_id: null, status: "active" })]);
    expect(after.checkins).toHaveLength(1);
    expect(after.invite_code).toBeNull();
  });
});
