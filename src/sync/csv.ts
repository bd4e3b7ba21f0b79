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

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const cells = rows.map((row) => row.map((v) => (v === null || v === undefined ? '' : neutraliseCell(String(v)))));
  return stringify([header.map((h) => neutraliseCell(h)), ...cells], { record_delimiter: 'windows', quoted_match: /[",\r\n]/ });
}
