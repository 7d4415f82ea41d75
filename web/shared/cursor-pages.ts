// Previous / next over an API list's cursors: the cursors walked so far are kept, so "previous" needs no cursor
// from the API. Used by the console's pager and the phone pages' one.
import { useState } from "react";

export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    first: cursors.length === 1,
    /** Back to the first page (the filter changed). */
    reset: () => setCursors([undefined]),
    back: () => setCursors(cursors.slice(0, -1)),
    forward: (next: string) => setCursors([...cursors, next]),
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;
