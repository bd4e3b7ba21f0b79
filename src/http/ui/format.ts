// Formatting for people: amounts with thousands separators (from decimal strings, never via
// floating point), ratios as percentages, instants as local dates of the program time zone.

import { TimeZone } from '../../domain/time.ts';

/** "1234567.50" → "1,234,567.50"; anything that is not a decimal is shown as it is. */
export function groupDecimal(text: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) return text;
  return `${m[1] ?? ''}${(m[2] ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

export function money(text: string | null | undefined, currency: string): string {
  return text === null || text === undefined ? '—' : `${groupDecimal(text)} ${currency}`;
}

/** A 4-dp ratio (0.4567) as a percentage with up to two decimals (45.67 %). */
export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return `${(Math.round(ratio * 10_000) / 100).toFixed(2).replace(/\.?0+$/, '')} %`;
}

/** ROI as a signed percentage: −12.5 %. */
export function roiText(roi: number | null | undefined): string {
  if (roi === null || roi === undefined) return '—';
  const p = percent(Math.abs(roi));
  return roi < 0 ? `−${p}` : p;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : groupDecimal(String(n));
}

const zones = new Map<string, TimeZone>();
const zone = (name: string): TimeZone => {
  let tz = zones.get(name);
  if (tz === undefined) {
    tz = new TimeZone(name);
    zones.set(name, tz);
  }
  return tz;
};

/** An ISO instant as its local date (YYYY-MM-DD) in the program time zone. */
export function localDate(iso: string | null | undefined, timezone: string): string {
  if (iso === null || iso === undefined) return '—';
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : zone(timezone).localDate(at);
}

/** Whole days between two instants (for "12 days ago"). */
export function daysBetween(fromIso: string, to: number): number {
  return Math.floor((to - Date.parse(fromIso)) / 86_400_000);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-03" → "Mar 2026" (short month label for charts). */
export function monthName(label: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(label);
  if (!m) return label;
  return `${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

/** A short axis label: "Mar" or "Jan 26" at a year start. */
export function monthTick(label: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(label);
  if (!m) return label;
  const name = MONTHS[Number(m[2]) - 1] ?? m[2] ?? '';
  return m[2] === '01' ? `${name} ${(m[1] ?? '').slice(2)}` : name;
}

export function bandLabel(band: string | null | undefined): string {
  switch (band) {
    case 'healthy':
      return 'Healthy';
    case 'watch':
      return 'Watch';
    case 'at_risk':
      return 'At risk';
    default:
      return 'No score';
  }
}
