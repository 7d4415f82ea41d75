import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { memberToken } from "../../test/support/loyalty.ts";
import { fixedClock } from "../platform/clock.ts";

const DAY = 86_400_000;
const JOINED = new Date("2026-03-10T04:00:00Z");
const clock = fixedClock(JOINED);

interface Consent {
  granted: boolean;
  at: string;
}
interface MemberBody {
  member_id: string;
  phone: string | null;
  name: string | null;
  gender: string;
  birthday: string | null;
  region: string | null;
  consent: Partial<Record<"sms" | "email" | "im", Consent>>;
  join_channel: string;
  updated_at: string;
}

describeEachDatabase("Member profile and marketing consent", (database) => {
  const h = useEnclave(database, { clock });
  let brand: Brand;
  let phone = 13_600_003_000;
  const nextPhone = () => String(++phone);

  const get = async (memberId: string) => {
    const res = await h().api<MemberBody>("GET", `/v1/members/${memberId}`, { token: brand.readKey });
    expect(res.status).toBe(200);
    return res.body;
  };
  const patch = async (memberId: string, body: unknown, status = 200) => {
    const res = await h().api<MemberBody>("PATCH", `/v1/members/${memberId}`, {
      token: brand.writeKey,
      body,
    });
    expect(res.status, res.text).toBe(status);
    return res.body;
  };

  it("keeps gender, birthday, region and each consent answer with the time it was given", async () => {
    clock.set(JOINED);
    brand = await h().newBrand();
    const joined = await h().api<MemberBody>("POST", "/v1/members", {
      token: brand.writeKey,
      body: {
        phone: "138 0013 8000",
        name: "Li Mei",
        gender: "female",
        birthday: "1990-05-08",
        region: "Shanghai",
        consent: { sms: true, email: false, im: true },
        channel: "store_qr",
      },
    });
    expect(joined.status, joined.text).toBe(201);
    const profile = {
      phone: "+8613800138000",
      name: "Li Mei",
      gender: "female",
      birthday: "1990-05-08",
      region: "Shanghai",
      join_channel: "store_qr",
      consent: {
        sms: { granted: true, at: "2026-03-10T04:00:00.000Z" },
        email: { granted: false, at: "2026-03-10T04:00:00.000Z" },
        im: { granted: true, at: "2026-03-10T04:00:00.000Z" },
      },
    };
    expect(joined.body).toMatchObject(profile);
    const id = joined.body.member_id;
    expect(await get(id)).toMatchObject(profile);
    const byPhone = await h().api<MemberBody>("GET", "/v1/members/lookup?phone=13800138000", {
      token: brand.readKey,
    });
    expect(byPhone.body).toMatchObject({ member_id: id, consent: profile.consent });

    // A day later the member withdraws SMS consent: only that answer and its time change.
    clock.advance(DAY);
    expect((await patch(id, { consent: { sms: false } })).consent).toEqual({
      sms: { granted: false, at: "2026-03-11T04:00:00.000Z" },
      email: { granted: false, at: "2026-03-10T04:00:00.000Z" },
      im: { granted: true, at: "2026-03-10T04:00:00.000Z" },
    });

    // Two hours later they grant email consent themselves in the member center, and withdraw IM.
    clock.advance(2 * 3_600_000);
    const me = await h().api<MemberBody>("PATCH", "/v1/me", {
      token: await memberToken(h(), brand, id),
      body: { consent: { email: true, im: false } },
    });
    expect(me.status, me.text).toBe(200);
    expect((await get(id)).consent).toEqual({
      sms: { granted: false, at: "2026-03-11T04:00:00.000Z" },
      email: { granted: true, at: "2026-03-11T06:00:00.000Z" },
      im: { granted: false, at: "2026-03-11T06:00:00.000Z" },
    });

    // Saying the same again is a new answer: its time is the latest.
    clock.advance(DAY);
    expect((await patch(id, { consent: { email: true } })).consent.email).toEqual({
      granted: true,
      at: "2026-03-12T06:00:00.000Z",
    });

    // A profile change leaves consent alone; null clears a birthday or region.
    const changed = await patch(id, { gender: "other", birthday: null, region: "Hangzhou" });
    expect(changed).toMatchObject({
      gender: "other",
      birthday: null,
      region: "Hangzhou",
      name: "Li Mei",
      updated_at: "2026-03-12T06:00:00.000Z",
    });
    expect((await get(id)).consent).toEqual({
      sms: { granted: false, at: "2026-03-11T04:00:00.000Z" },
      email: { granted: true, at: "2026-03-12T06:00:00.000Z" },
      im: { granted: false, at: "2026-03-11T06:00:00.000Z" },
    });

    const timeline = await h().api<{ items: { type: string; payload: { fields?: string[] } }[] }>(
      "GET",
      `/v1/members/${id}/timeline`,
      { token: brand.readKey },
    );
    expect(timeline.body.items.map((e) => [e.type, e.payload.fields])).toEqual([
      ["member.updated", ["gender", "birthday", "region"]],
      ["member.updated", ["consent"]],
      ["member.updated", ["consent"]],
      ["member.updated", ["consent"]],
      ["member.joined", undefined],
    ]);
  });

  it("records only the channels a member answered, and an unanswered one is not consent", async () => {
    clock.set(JOINED);
    brand = await h().newBrand();
    const res = await h().api<MemberBody>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: nextPhone(), channel: "api", consent: { email: true } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ gender: "unknown", birthday: null, region: null });
    expect(res.body.consent).toEqual({ email: { granted: true, at: "2026-03-10T04:00:00.000Z" } });
    const none = await h().api<MemberBody>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: nextPhone(), channel: "api" },
    });
    expect(none.body.consent).toEqual({});
  });

  it("refuses a birthday that is not a date, an unknown gender or consent channel", async () => {
    clock.set(JOINED);
    brand = await h().newBrand();
    const join = (extra: Record<string, unknown>) =>
      h().api<{ errors?: { field: string }[] }>("POST", "/v1/members", {
        token: brand.writeKey,
        body: { phone: nextPhone(), channel: "api", ...extra },
      });
    for (const [extra, field] of [
      [{ birthday: "1990-13-40" }, "/birthday"],
      [{ birthday: "08/05/1990" }, "/birthday"],
      [{ gender: "f" }, "/gender"],
      [{ consent: { wechat: true } }, "/consent"],
      [{ consent: { sms: "yes" } }, "/consent/sms"],
    ] as const) {
      const res = await join(extra);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(
        res.body.errors?.some((e) => e.field.startsWith(field)),
        `${JSON.stringify(extra)}: ${JSON.stringify(res.body)}`,
      ).toBe(true);
    }
  });
});
