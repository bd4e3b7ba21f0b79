// SOQL date and dateTime literals (`2026-01-01`, `2026-01-01T00:00:00Z`, `…+02:00`), checked
// against the calendar: Salesforce rejects 2026-02-30 rather than rolling it over.

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|([+-])(\d{2}):(\d{2}))$/;

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** `YYYY-MM-DD` when the literal names a real day, else null. */
export function parseDateLiteral(text: string): string | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  return validDay(Number(m[1]), Number(m[2]), Number(m[3])) ? text : null;
}

/** Epoch milliseconds of a dateTime literal, else null. */
export function parseDateTimeLiteral(text: string): number | null {
  const m = DATETIME_RE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined)
    return null;
  if (!validDay(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}
