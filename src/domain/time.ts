// Instants, local dates and calendar months in the program time zone (docs/finance-rules.md §2).
// Luxon does the time-zone work; results are memoised because the engine asks the same
// questions millions of times.

import { DateTime, IANAZone } from 'luxon';

export const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * 60_000;

export function isValidTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z|z)|([+-])(\d{2}):?(\d{2}))$/;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

function fieldsValid(f: Fields): boolean {
  return f.mo >= 1 && f.mo <= 12 && f.d >= 1 && f.d <= daysInMonth(f.y, f.mo) && f.h <= 23 && f.mi <= 59 && f.s <= 59;
}

function fieldsOf(m: RegExpExecArray, offset: number): Fields {
  const frac = m[offset + 6];
  return {
    y: Number(m[offset]),
    mo: Number(m[offset + 1]),
    d: Number(m[offset + 2]),
    h: Number(m[offset + 3] ?? 0),
    mi: Number(m[offset + 4] ?? 0),
    s: Number(m[offset + 5] ?? 0),
    ms: frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0')),
  };
}

/** 400 Gregorian years, in ms: the calendar repeats itself exactly after them. */
const GREGORIAN_CYCLE_MS = 146_097 * DAY_MS;

/**
 * The UTC instant of calendar fields. Date.UTC reads years 0–99 as 1900–1999, so those are
 * computed 400 years later and moved back one cycle: years 0000–9999 are read as written.
 */
function utcInstant(f: Fields): number {
  if (f.y >= 100) return Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s, f.ms);
  return Date.UTC(f.y + 400, f.mo - 1, f.d, f.h, f.mi, f.s, f.ms) - GREGORIAN_CYCLE_MS;
}

const digit = (text: string, i: number): number => text.charCodeAt(i) - 48;
const num2 = (text: string, i: number): number => digit(text, i) * 10 + digit(text, i + 1);

/**
 * The common shapes `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ`, read without a
 * regular expression (the engine parses millions of them). Returns undefined for any other
 * shape, which then goes through the general parser.
 */
function parseUtcFast(text: string): number | null | undefined {
  const len = text.length;
  if ((len !== 20 && len !== 24) || text.charCodeAt(len - 1) !== 90 /* Z */) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  if (len === 24 && text[19] !== '.') return undefined;
  for (const i of len === 24 ? FAST_DIGITS_MS : FAST_DIGITS) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const f: Fields = {
    y: digit(text, 0) * 1000 + digit(text, 1) * 100 + num2(text, 2),
    mo: num2(text, 5),
    d: num2(text, 8),
    h: num2(text, 11),
    mi: num2(text, 14),
    s: num2(text, 17),
    ms: len === 24 ? digit(text, 20) * 100 + num2(text, 21) : 0,
  };
  if (!fieldsValid(f)) return null;
  return utcInstant(f);
}
const FAST_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const FAST_DIGITS_MS = [...FAST_DIGITS, 20, 21, 22];

/**
 * Formats an instant as ISO-8601 UTC, without milliseconds when they are zero. Outside years
 * 0000–9999 (a local month start of year 0000 east of UTC) the year has six digits and a sign.
 */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** A calendar month as a single integer: year * 12 + (month - 1). */
export type MonthIndex = number;

const monthLabels = new Map<MonthIndex, string>();
export function monthLabel(idx: MonthIndex): string {
  let label = monthLabels.get(idx);
  if (label === undefined) {
    label = `${pad4(Math.floor(idx / 12))}-${pad2((idx % 12) + 1)}`;
    monthLabels.set(idx, label);
  }
  return label;
}

export function parseMonthLabel(label: string): MonthIndex | null {
  const m = /^(\d{4})-(\d{2})$/.exec(label);
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return Number(m[1]) * 12 + month - 1;
}

/** The program time zone with memoised offsets, month starts and local dates. */
export class TimeZone {
  readonly name: string;
  private readonly zone: IANAZone;
  private readonly dayOffsets = new Map<number, number>(); // UTC day -> offset ms (NaN: changes that day)
  private readonly offsets = new Map<number, number>(); // 15-minute bucket -> offset ms (NaN: changes inside)
  private readonly dates = new Map<number, string>(); // local day number -> YYYY-MM-DD
  private readonly monthStarts = new Map<MonthIndex, number>();
  private readonly midnights = new Map<string, number>();

  constructor(name: string) {
    if (!IANAZone.isValidZone(name)) throw new Error(`unknown time zone: ${name}`);
    this.name = name;
    this.zone = IANAZone.create(name);
  }

  /**
   * UTC offset in ms at an instant. Offsets are cached per UTC day (no zone changes its offset
   * twice in a day); on a day with a change, per 15 minutes; in the 15 minutes holding the
   * change itself, asked exactly.
   */
  offsetAt(ms: number): number {
    const day = Math.floor(ms / DAY_MS);
    let dayOff = this.dayOffsets.get(day);
    if (dayOff === undefined) {
      const a = this.zone.offset(day * DAY_MS);
      const b = this.zone.offset(day * DAY_MS + DAY_MS - 1);
      dayOff = a === b ? a * 60_000 : Number.NaN;
      this.dayOffsets.set(day, dayOff);
    }
    if (!Number.isNaN(dayOff)) return dayOff;
    const bucket = Math.floor(ms / BUCKET_MS);
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const start = bucket * BUCKET_MS;
      const a = this.zone.offset(start);
      const b = this.zone.offset(start + BUCKET_MS - 1);
      off = a === b ? a * 60_000 : Number.NaN;
      this.offsets.set(bucket, off);
    }
    return Number.isNaN(off) ? this.zone.offset(ms) * 60_000 : off;
  }

  /** Wall-clock fields of an instant in this zone, read from a shifted UTC date. */
  private local(ms: number): Date {
    return new Date(ms + this.offsetAt(ms));
  }

  monthOf(ms: number): MonthIndex {
    const d = this.local(ms);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  }

  /** `YYYY-MM-DD` of an instant in this zone (strings are shared between calls). */
  localDate(ms: number): string {
    const shifted = ms + this.offsetAt(ms);
    const dayNo = Math.floor(shifted / DAY_MS);
    let text = this.dates.get(dayNo);
    if (text === undefined) {
      const d = new Date(shifted);
      text = `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
      this.dates.set(dayNo, text);
    }
    return text;
  }

  /** The instant at which a local calendar month starts. */
  monthStart(idx: MonthIndex): number {
    let start = this.monthStarts.get(idx);
    if (start === undefined) {
      start = DateTime.fromObject(
        { year: Math.floor(idx / 12), month: (idx % 12) + 1, day: 1 },
        { zone: this.zone },
      ).toMillis();
      this.monthStarts.set(idx, start);
    }
    return start;
  }

  /** Local midnight of a `YYYY-MM-DD` date (the first instant of that day when midnight is skipped). */
  localMidnight(date: string): number | null {
    let at = this.midnights.get(date);
    if (at === undefined) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
      if (!m) return null;
      const f = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: 0, mi: 0, s: 0, ms: 0 };
      if (!fieldsValid(f)) return null;
      at = this.localToInstant(f);
      this.midnights.set(date, at);
    }
    return at;
  }

  private localToInstant(f: Fields): number {
    return DateTime.fromObject(
      { year: f.y, month: f.mo, day: f.d, hour: f.h, minute: f.mi, second: f.s, millisecond: f.ms },
      { zone: this.zone },
    ).toMillis();
  }

  /**
   * Parses an ISO-8601 timestamp. With an offset or `Z` it is an instant; a date alone means
   * local midnight and a date-time without offset means local wall time (docs/finance-rules.md §2, Dates).
   * Returns null for anything that is not a real date and time.
   */
  parse(text: string): number | null {
    const fast = parseUtcFast(text);
    if (fast !== undefined) return fast;
    const m = ISO_WITH_OFFSET.exec(text);
    if (m) {
      const f = fieldsOf(m, 1);
      if (!fieldsValid(f)) return null;
      const utc = utcInstant(f);
      if (m[8] !== undefined) return utc;
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) return null;
      const sign = m[9] === '-' ? -1 : 1;
      return utc - sign * (oh * 60 + om) * 60_000;
    }
    const l = ISO_LOCAL.exec(text);
    if (!l) return null;
    const f = fieldsOf(l, 1);
    if (!fieldsValid(f)) return null;
    if (l[4] === undefined) return this.localMidnight(`${l[1]}-${l[2]}-${l[3]}`);
    return this.localToInstant(f);
  }
}

// ---- periods (docs/finance-rules.md §6) --------------------------------------------------------------------

export type PeriodKind = 'month' | 'quarter' | 'year';

export interface Period {
  label: string;
  kind: PeriodKind;
  firstMonth: MonthIndex;
  months: number;
}

const PERIOD = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/;

/** Parses `YYYY-MM`, `YYYY-Qn` or `YYYY`. */
export function parsePeriod(label: string): Period | null {
  const m = PERIOD.exec(label);
  if (!m) return null;
  const year = Number(m[1]);
  if (m[2] !== undefined) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return null;
    return { label, kind: 'month', firstMonth: year * 12 + month - 1, months: 1 };
  }
  if (m[3] !== undefined) return { label, kind: 'quarter', firstMonth: year * 12 + (Number(m[3]) - 1) * 3, months: 3 };
  return { label, kind: 'year', firstMonth: year * 12, months: 12 };
}

export function monthPeriod(idx: MonthIndex): Period {
  return { label: monthLabel(idx), kind: 'month', firstMonth: idx, months: 1 };
}

/** The previous period of the same kind. */
export function previousPeriod(p: Period): Period {
  const first = p.firstMonth - p.months;
  const year = Math.floor(first / 12);
  switch (p.kind) {
    case 'month':
      return monthPeriod(first);
    case 'quarter':
      return {
        label: `${pad4(year)}-Q${Math.floor((first % 12) / 3) + 1}`,
        kind: 'quarter',
        firstMonth: first,
        months: 3,
      };
    case 'year':
      return { label: pad4(year), kind: 'year', firstMonth: first, months: 12 };
  }
}
