import { Type } from "typebox";
import { Problem } from "./problems.ts";

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: PAGE_LIMIT_MAX,
      default: PAGE_LIMIT_DEFAULT,
      description: "Items per page",
    }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: "Opaque cursor from `next_cursor` of the previous page" }),
  ),
};

/** A page of items and the cursor of the next one (null on the last page). */
export function PageOf<T extends Parameters<typeof Type.Array>[0]>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  });
}

/**
 * Cursors are opaque to clients: base64url of the sort key of the last item returned. Keyset pagination,
 * so pages stay stable while rows are added.
 */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && "k" in parsed && typeof parsed.k === "string") {
      return parsed.k;
    }
  } catch {
    // fall through to the problem below
  }
  throw new Problem("invalid-cursor", "The cursor was not issued by this API or was altered", {
    errors: [{ in: "query", field: "/cursor", message: "not a cursor issued by this API" }],
  });
}

/** Given limit+1 rows fetched in key order, returns the page and the cursor for the next. */
export function toPage<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => string,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/**
 * The key of a newest-first page ordered by (time, id): imported history carries past times with new ids, so the
 * time leads and the id breaks ties.
 */
export function timeKey(at: Date, id: string): string {
  return `${at.toISOString()}|${id}`;
}

export function parseTimeKey(key: string): { at: Date; id: string } {
  const [at, id] = key.split("|");
  if (!at || !id || Number.isNaN(Date.parse(at))) throw new Problem("invalid-cursor");
  return { at: new Date(at), id };
}
