/**
 * A small CSV reader (RFC 4180: commas, double-quoted fields with "" for a quote, CRLF or LF), pure and bounded:
 * it reads at most MAX_CSV_ROWS rows and stops at the first malformed line, naming it.
 */

export const MAX_CSV_ROWS = 10_000;
export const MAX_CSV_FIELD_LENGTH = 200;

export type CsvResult =
  | { ok: true; header: string[]; rows: { line: number; cells: string[] }[] }
  | { ok: false; line: number; message: string };

export function parseCsv(text: string): CsvResult {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const startLine = line;
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    let ended = false;
    while (i < length && !ended) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          quoted = false;
          i++;
          continue;
        }
        if (ch === "\n") line++;
        cell += ch;
        i++;
      } else if (ch === '"') {
        if (cell.length > 0) return { ok: false, line, message: "a quote may only start a field" };
        quoted = true;
        i++;
      } else if (ch === ",") {
        cells.push(cell);
        cell = "";
        i++;
      } else if (ch === "\n" || ch === "\r") {
        i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
        ended = true;
      } else {
        cell += ch;
        i++;
      }
      if (cell.length > MAX_CSV_FIELD_LENGTH) {
        return { ok: false, line, message: `a field may have at most ${MAX_CSV_FIELD_LENGTH} characters` };
      }
    }
    if (quoted) return { ok: false, line: startLine, message: "a quoted field is not closed" };
    cells.push(cell);
    if (cells.length === 1 && cells[0]?.trim() === "") continue;
    rows.push({ line: startLine, cells: cells.map((c) => c.trim()) });
    if (rows.length > MAX_CSV_ROWS + 1)
      return { ok: false, line: startLine, message: `at most ${MAX_CSV_ROWS} rows` };
  }
  const [header, ...data] = rows;
  if (!header) return { ok: false, line: 1, message: "the file is empty; the first line names the columns" };
  return { ok: true, header: header.cells.map((c) => c.toLowerCase()), rows: data };
}
