import { describe, expect, it } from 'vitest';
import { TimeZone, formatInstant, monthLabel, parsePeriod, previousPeriod } from '../../src/domain/time.ts';

describe('TimeZone', () => {
  const ny = new TimeZone('America/New_York');

  it('puts an instant in the local calendar month (UTC next month, local this month)', () => {
    // 2026-11-01T03:30Z is 2026-10-31 23:30 EDT
    expect(monthLabel(ny.monthOf(Date.parse('2026-11-01T03:30:00Z')))).toBe('2026-10');
    expect(monthLabel(ny.monthOf(Date.parse('2026-11-01T04:00:00Z')))).toBe('2026-11');
  });

  it('finds month starts across DST changes', () => {
    // March 2026 starts in EST (UTC−5); April in EDT (UTC−4); November in EDT; December in EST
    expect(formatInstant(ny.monthStart(2026 * 12 + 2))).toBe('2026-03-01T05:00:00Z');
    expect(formatInstant(ny.monthStart(2026 * 12 + 3))).toBe('2026-04-01T04:00:00Z');
    expect(formatInstant(ny.monthStart(2026 * 12 + 10))).toBe('2026-11-01T04:00:00Z');
    expect(formatInstant(ny.monthStart(2026 * 12 + 11))).toBe('2026-12-01T05:00:00Z');
  });

  it('gives local dates on both sides of the spring-forward and fall-back hours', () => {
    expect(ny.localDate(Date.parse('2026-03-08T06:59:59Z'))).toBe('2026-03-08'); // 01:59:59 EST
    expect(ny.localDate(Date.parse('2026-03-08T07:00:00Z'))).toBe('2026-03-08'); // 03:00 EDT
    expect(ny.localDate(Date.parse('2026-11-01T05:30:00Z'))).toBe('2026-11-01'); // 01:30 EDT
    expect(ny.localDate(Date.parse('2026-11-01T06:30:00Z'))).toBe('2026-11-01'); // 01:30 EST
    expect(ny.localDate(Date.parse('2026-11-02T04:59:59Z'))).toBe('2026-11-01'); // 23:59:59 EST
  });

  it('reads dates without a time as local midnight and offsets exactly', () => {
    expect(formatInstant(ny.parse('2026-07-01') ?? 0)).toBe('2026-07-01T04:00:00Z');
    expect(formatInstant(ny.parse('2026-01-15') ?? 0)).toBe('2026-01-15T05:00:00Z');
    expect(formatInstant(ny.parse('2026-03-01T10:00:00+02:00') ?? 0)).toBe('2026-03-01T08:00:00Z');
    expect(formatInstant(ny.parse('2026-03-01T10:00:00.250Z') ?? 0)).toBe('2026-03-01T10:00:00.250Z');
    expect(formatInstant(ny.parse('2026-03-01T10:00:00.000+0000') ?? 0)).toBe('2026-03-01T10:00:00Z');
  });

  it.each([
    '2026-02-30',
    '2026-13-01',
    '2026-02-28T25:00:00Z',
    'yesterday',
    '',
    '2026-1-1',
    '2026-03-01T10:00:00+25:00',
  ])('rejects %j', (text) => {
    expect(ny.parse(text)).toBeNull();
  });

  it('handles half-hour zones and southern-hemisphere DST', () => {
    const kolkata = new TimeZone('Asia/Kolkata');
    expect(monthLabel(kolkata.monthOf(Date.parse('2026-01-31T18:29:59Z')))).toBe('2026-01');
    expect(monthLabel(kolkata.monthOf(Date.parse('2026-01-31T18:30:00Z')))).toBe('2026-02');
    const sydney = new TimeZone('Australia/Sydney');
    // 2026-04-05 03:00 AEDT → 02:00 AEST; October starts in AEST (UTC+10), November in AEDT (UTC+11)
    expect(formatInstant(sydney.monthStart(2026 * 12 + 9))).toBe('2026-09-30T14:00:00Z');
    expect(formatInstant(sydney.monthStart(2026 * 12 + 10))).toBe('2026-10-31T13:00:00Z');
  });
});

describe('periods', () => {
  it.each([
    ['2026-10', 'month', 2026 * 12 + 9, 1, '2026-09'],
    ['2026-01', 'month', 2026 * 12, 1, '2025-12'],
    ['2026-Q1', 'quarter', 2026 * 12, 3, '2025-Q4'],
    ['2026-Q3', 'quarter', 2026 * 12 + 6, 3, '2026-Q2'],
    ['2026', 'year', 2026 * 12, 12, '2025'],
  ])('%s', (label, kind, first, months, prev) => {
    const p = parsePeriod(label);
    expect(p).toMatchObject({ kind, firstMonth: first, months });
    expect(p && previousPeriod(p).label).toBe(prev);
  });
  it.each(['2026-13', '2026-Q5', '26-01', '2026-1', 'Q1-2026'])('rejects %j', (label) => {
    expect(parsePeriod(label)).toBeNull();
  });
});

describe('years 0000–0099 (issue 16, finding 5)', () => {
  const utc = new TimeZone('UTC');

  it.each([
    '0001-01-01T00:00:00Z',
    '0099-12-31T23:59:59Z',
    '0099-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00Z',
    '0000-02-29T12:00:00Z', // year 0 is a leap year (proleptic Gregorian)
    '0050-06-15T10:00:00.250Z',
  ])('reads %s as that instant, not 1900 years later', (text) => {
    const ms = utc.parse(text);
    expect(ms).toBe(Date.parse(text));
    expect(formatInstant(ms ?? 0)).toBe(text.replace('.000Z', 'Z'));
  });

  it('reads offsets in years 0000–0099 exactly', () => {
    expect(formatInstant(utc.parse('0099-12-31T23:30:00+02:00') ?? 0)).toBe('0099-12-31T21:30:00Z');
    expect(formatInstant(utc.parse('0001-01-01T00:30:00+01:00') ?? 0)).toBe('0000-12-31T23:30:00Z');
    expect(formatInstant(utc.parse('0050-06-15T10:00:00.000+0000') ?? 0)).toBe('0050-06-15T10:00:00Z');
    expect(utc.parse('0001-02-29T00:00:00Z')).toBeNull(); // year 1 is not a leap year
  });

  it('puts instants of years 0000–0099 in their own local months and dates', () => {
    const berlin = new TimeZone('Europe/Berlin');
    const ny = new TimeZone('America/New_York');
    const at = (text: string): number => utc.parse(text) ?? Number.NaN;
    expect(monthLabel(utc.monthOf(at('0001-01-01T00:00:00Z')))).toBe('0001-01');
    expect(utc.localDate(at('0001-01-01T00:00:00Z'))).toBe('0001-01-01');
    expect(monthLabel(utc.monthOf(at('0099-12-31T23:59:59Z')))).toBe('0099-12');
    // local mean time before standard zones: Berlin +0:53:28, New York −4:56:02
    expect(monthLabel(berlin.monthOf(at('0099-12-31T23:59:59Z')))).toBe('0100-01');
    expect(berlin.localDate(at('0099-12-31T23:59:59Z'))).toBe('0100-01-01');
    expect(monthLabel(ny.monthOf(at('0001-01-01T00:00:00Z')))).toBe('0000-12');
    expect(ny.localDate(at('0001-01-01T04:56:02Z'))).toBe('0001-01-01');
  });

  it('formats instants before year 0000 or after 9999 in UTC without cutting them', () => {
    expect(formatInstant(Date.parse('-000001-12-31T23:06:32Z'))).toBe('-000001-12-31T23:06:32Z');
    expect(formatInstant(Date.parse('+010000-01-01T00:00:00.500Z'))).toBe('+010000-01-01T00:00:00.500Z');
    expect(formatInstant(new TimeZone('Europe/Berlin').monthStart(0))).toBe('-000001-12-31T23:06:32Z');
  });
});
