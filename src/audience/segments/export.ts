import type { Principal } from "../../platform/auth/principal.ts";
import type { Executor } from "../../platform/db/database.ts";
import { maskPhone } from "../../members/rules.ts";
import { HQ_ROLES } from "../../platform/auth/principal.ts";
import { segmentContacts } from "../facts.ts";

/**
 * A segment as CSV, produced a page at a time so that memory stays flat however large the segment is. Cells that
 * a spreadsheet would run as a formula (=, +, -, @) are prefixed with an apostrophe; store staff get masked phones.
 */

const PAGE_SIZE = 1_000;
const HEADER = ["member_id", "card_no", "phone", "name", "stage", "entered_at"];

export function csvCell(value: string | null): string {
  if (value === null) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export async function* segmentCsv(
  db: Executor,
  tenantId: string,
  segmentId: string,
  principal: Principal | undefined,
): AsyncGenerator<string> {
  const masked = principal?.kind === "staff" && !HQ_ROLES.includes(principal.role);
  yield `${HEADER.join(",")}\r\n`;
  let after: string | undefined;
  for (;;) {
    const page = await segmentContacts(db, tenantId, segmentId, after, PAGE_SIZE, principal);
    if (page.length === 0) return;
    yield page
      .map(
        (m) =>
          [
            m.member_id,
            m.card_no,
            masked ? maskPhone(m.phone) : m.phone,
            m.name,
            m.stage,
            m.entered_at.toISOString(),
          ]
            .map(csvCell)
            .join(",") + "\r\n",
      )
      .join("");
    after = page[page.length - 1]?.member_id;
    if (page.length < PAGE_SIZE) return;
  }
}
