// CSV for finance: RFC 4180 (CRLF, quotes where needed), UTF-8, and safe to open in a
// spreadsheet — a cell that a spreadsheet would run as a formula is neutralised with a
// leading apostrophe. Two shapes are left alone because they cannot call anything and
// finance needs them verbatim: plain numbers (negative amounts such as "-120.00") and
// fixed-fee entry keys made only of id characters ("-:p05:2026-01", rules.md 4).

import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;
const INERT = [/^-?\d+(\.\d+)?$/, /^-:[A-Za-z0-9_.-]+:\d{4}-\d{2}$/];

/** Returns the cell text a spreadsheet will show as text, never evaluate. */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) && !INERT.some((re) => re.test(text)) ? `'${text}` : text;
}

export type CsvCell = string | number | boolean | null | undefined;

const cellText = (v: CsvCell): string => (v === null || v === undefined ? '' : neutraliseCell(String(v)));

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return stringify([header.map(cellText), ...rows.map((row) => row.map(cellText))], {
    record_delimiter: 'windows',
    quoted_match: /[",\r\n]/,
  });
}

/** Writes CSV in chunks (header first), so millions of rows never form one string. */
export function writeCsv(
  header: readonly string[],
  rowCount: number,
  row: (i: number) => readonly CsvCell[],
  write: (chunk: string) => void,
  chunkRows = 10_000,
): void {
  write(toCsv(header, []));
  for (let start = 0; start < rowCount; start += chunkRows) {
    const cells: string[][] = [];
    for (let i = start; i < Math.min(rowCount, start + chunkRows); i++) {
      cells.push(row(i).map(cellText));
    }
    write(stringify(cells, { record_delimiter: 'windows', quoted_match: /[",\r\n]/ }));
  }
}
