import { describe, expect, it } from "vitest";
import { birthdayDays, birthdayIn, dueBirthday } from "./birthday-rules.ts";

const SHANGHAI = "Asia/Shanghai";
const LONG_AGO = new Date("2020-01-01T00:00:00Z");

describe("Birthday rules", () => {
  it("keeps the brand-local day and the two before it, each ending at the brand's midnight", () => {
    // 2027-03-15 00:00 in Shanghai is 16:00 UTC the day before.
    const days = birthdayDays(new Date("2027-03-14T16:00:00Z"), SHANGHAI);
    expect(days.map((d) => d.day)).toEqual(["2027-03-15", "2027-03-14", "2027-03-13"]);
    expect(days[0]?.ends_at.toISOString()).toBe("2027-03-15T16:00:00.000Z");
    expect(days[0]?.birthdays).toEqual([{ month: 3, day: 15 }]);
    // One second earlier it is still the 14th there.
    expect(birthdayDays(new Date("2027-03-14T15:59:59Z"), SHANGHAI)[0]?.day).toBe("2027-03-14");
    expect(birthdayDays(new Date("2027-03-14T16:00:00Z"), SHANGHAI, 0)).toHaveLength(1);
  });

  it("keeps 29 February on 28 February in a common year and on its own day in a leap year", () => {
    expect(birthdayIn("2000-02-29", 2027)).toBe("2027-02-28");
    expect(birthdayIn("2000-02-29", 2028)).toBe("2028-02-29");
    expect(birthdayIn("1990-12-31", 2027)).toBe("2027-12-31");
    const common = birthdayDays(new Date("2027-02-28T04:00:00Z"), SHANGHAI)[0];
    expect(common?.birthdays).toEqual([
      { month: 2, day: 28 },
      { month: 2, day: 29 },
    ]);
    const leap = birthdayDays(new Date("2028-02-28T04:00:00Z"), SHANGHAI)[0];
    expect(leap?.birthdays).toEqual([{ month: 2, day: 28 }]);
  });

  it("finds the day a member's gift is due: none without a birthday, the day before, or after joining late", () => {
    const onThe15th = birthdayDays(new Date("2027-03-15T04:00:00Z"), SHANGHAI);
    expect(dueBirthday("1990-03-15", LONG_AGO, onThe15th)?.day).toBe("2027-03-15");
    expect(dueBirthday("1990-03-13", LONG_AGO, onThe15th)?.day).toBe("2027-03-13");
    expect(dueBirthday("1990-03-12", LONG_AGO, onThe15th)).toBeUndefined();
    expect(dueBirthday("1990-03-16", LONG_AGO, onThe15th)).toBeUndefined();
    expect(dueBirthday(null, LONG_AGO, onThe15th)).toBeUndefined();
    // Joined on the 14th (Shanghai): nothing for the 13th, which ended before.
    const joined = new Date("2027-03-14T02:00:00Z");
    expect(dueBirthday("1990-03-13", joined, onThe15th)).toBeUndefined();
    expect(dueBirthday("1990-03-14", joined, onThe15th)?.day).toBe("2027-03-14");
    // A birthday kept on New Year's Eve and caught up on 1 January belongs to the old year.
    const newYear = birthdayDays(new Date("2027-12-31T16:30:00Z"), SHANGHAI);
    expect(dueBirthday("1990-12-31", LONG_AGO, newYear)).toMatchObject({ day: "2027-12-31", year: 2027 });
    // 29 February, common year: due from the 28th, caught up on 1 and 2 March, not on the 3rd.
    const leapling = "2000-02-29";
    expect(dueBirthday(leapling, LONG_AGO, birthdayDays(new Date("2027-02-27T04:00:00Z"), SHANGHAI))).toBe(
      undefined,
    );
    expect(
      dueBirthday(leapling, LONG_AGO, birthdayDays(new Date("2027-03-02T04:00:00Z"), SHANGHAI))?.day,
    ).toBe("2027-02-28");
    expect(dueBirthday(leapling, LONG_AGO, birthdayDays(new Date("2027-03-03T04:00:00Z"), SHANGHAI))).toBe(
      undefined,
    );
  });
});
