import { decodeCursor } from "../platform/http/pagination.ts";

/** A member's export reads whole lists through their paged functions; this bounds how much one section holds. */
export const EXPORT_PAGE_SIZE = 500;
export const EXPORT_MAX_ROWS_PER_SECTION = 50_000;

/** Reads every page of a keyset list (bounded), given the function that reads one page after a decoded key. */
export async function allPages<T>(
  readPage: (after: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>,
): Promise<T[]> {
  const rows: T[] = [];
  let after: string | undefined;
  while (rows.length < EXPORT_MAX_ROWS_PER_SECTION) {
    const page = await readPage(after);
    rows.push(...page.items);
    if (page.next_cursor === null) break;
    after = decodeCursor(page.next_cursor);
  }
  return rows;
}
