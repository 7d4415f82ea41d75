// Splits a CSV into request-sized parts that keep its header line, so an import can report how far it is.

export interface CsvParts {
  header: string;
  rows: number;
  parts: string[];
}

export function splitCsv(text: string, rowsPerPart: number): CsvParts {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const [header = "", ...rows] = lines;
  const parts: string[] = [];
  for (let start = 0; start < rows.length; start += rowsPerPart) {
    parts.push([header, ...rows.slice(start, start + rowsPerPart)].join("\n"));
  }
  return { header, rows: rows.length, parts };
}
