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
