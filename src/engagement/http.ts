import { Type } from "typebox";
import { actorOf, type Principal } from "../platform/auth/principal.ts";
import { Problem } from "../platform/http/problems.ts";

/** Shared pieces of the engagement HTTP surface. */

export const MemberIdParams = Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const DayString = Type.String({ format: "date", description: "YYYY-MM-DD, the brand-local day" });
export const MonthString = Type.String({
  pattern: "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$",
  description: "YYYY-MM",
  examples: ["2026-05"],
});
export const Code = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** The member a member session acts as. */
export function memberOf(principal: Principal | undefined): string {
  if (principal?.kind !== "member") throw new Problem("forbidden");
  return principal.memberId;
}

export function actor(principal: Principal | undefined): string {
  return principal ? actorOf(principal) : "unknown";
}

export const iso = (d: Date | null) => (d ? d.toISOString() : null);
