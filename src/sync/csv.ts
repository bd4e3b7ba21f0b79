// CSV for finance: RFC 4180 (CRLF, quotes where needed), UTF-8, and safe to open in a
// spreadsheet — a cell that a spreadsheet could run as a formula is neutralised with a leading
// apostrophe. That is any cell whose first character after leading whitespace is = + - or @,
// and any cell starting with a tab or carriage return: spreadsheets trim spaces on import
// (LibreOffice's "Trim spaces") and read what follows as a formula. Whitespace here is every
// Unicode space, zero-width ones and the byte-order mark included. Full-width signs (＝ ＋)
// are left alone: LibreOffice 7.4 does not evaluate them. Two shapes stay as written because
// they cannot call anything and finance needs them verbatim: plain numbers (negative amounts
// such as "-120.00") and the fixed-fee keys posted before docs/finance-rules.md named them fee:{partnerId}:
// {period} ("-:p05:2026-01", made of id characters only), so closed months export unchanged.

import { stringify } from 'csv-stringify/sync';

const LEADING_BLANKS = /^[\s\u180e\u200b-\u200d\u2060\ufeff]*/u;
const FORMULA_SIGNS = new Set(['=', '+', '-', '@']);
const INERT = [/^-?\d+(\.\d+)?$/, /^-:[A-Za-z0-9_.-]+:\d{4}-\d{2}$/];

function startsFormula(text: string): boolean {
  const first = text.charCodeAt(0);
  // the common case, read without a regular expression: a printable ASCII character first
  if (first > 0x20 && first < 0x7f) return FORMULA_SIGNS.has(text.charAt(0));
  if (first === 0x09 || first === 0x0d) return true;
  const blanks = LEADING_BLANKS.exec(text)?.[0].length ?? 0;
  return blanks > 0 && FORMULA_SIGNS.has(text.charAt(blanks));
}

/** Returns the cell text a spreadsheet will show as text, never evaluate. */
export function neutraliseCell(text: string): string {
  return startsFormula(text) && !INERT.some((re) => re.test(text)) ? `'${text}` : text;
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
