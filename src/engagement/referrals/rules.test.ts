import { describe, expect, it } from "vitest";
import { bindRefusal, inviteCodeOfScene } from "./rules.ts";

const NOW = new Date("2026-11-10T00:00:00Z");
const party = (
  id: string,
  joined: string,
  extra: Partial<{ status: string; phone: string | null }> = {},
) => ({
  member_id: id,
  status: "active",
  phone: `+86139${id.padStart(8, "0")}`,
  joined_at: new Date(joined),
  ...extra,
});

describe("referral rules", () => {
  const base = { enabled: true, bind_window_days: 7 };
  it("binds a newer active member to an active inviter within the window", () => {
    expect(
      bindRefusal({ ...base, inviter: party("1", "2026-10-01"), invitee: party("2", "2026-11-09") }, NOW),
    ).toBeUndefined();
  });

  it("refuses what the anti-abuse rules name", () => {
    const inviter = party("1", "2026-10-01");
    const invitee = party("2", "2026-11-09");
    expect(bindRefusal({ ...base, enabled: false, inviter, invitee }, NOW)).toBe("disabled");
    expect(bindRefusal({ ...base, inviter, invitee: inviter }, NOW)).toBe("self_referral");
    expect(bindRefusal({ ...base, inviter, invitee: { ...invitee, phone: inviter.phone } }, NOW)).toBe(
      "same_phone",
    );
    expect(bindRefusal({ ...base, inviter: { ...inviter, status: "merged" }, invitee }, NOW)).toBe(
      "inviter_not_active",
    );
    expect(bindRefusal({ ...base, inviter, invitee: { ...invitee, status: "prospect" } }, NOW)).toBe(
      "invitee_not_active",
    );
    expect(
      bindRefusal(
        { ...base, inviter: party("1", "2026-11-09T12:00:00Z"), invitee: party("2", "2026-11-09") },
        NOW,
      ),
    ).toBe("joined_before_inviter");
    expect(bindRefusal({ ...base, inviter, invitee: party("2", "2026-11-02") }, NOW)).toBe("window_passed");
  });

  it("reads the invite code from a join scene", () => {
    expect(inviteCodeOfScene("invite:ab12cd34")).toBe("AB12CD34");
    expect(inviteCodeOfScene("store:42")).toBeUndefined();
    expect(inviteCodeOfScene("invite:no spaces")).toBeUndefined();
    expect(inviteCodeOfScene(null)).toBeUndefined();
  });
});
