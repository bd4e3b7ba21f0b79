import { describe, expect, it } from 'vitest';
import {
  formatMinor,
  parseDecimalToMinor,
  parseRational,
  ratioToNumber,
  rat,
  roundDiv,
} from '../../src/domain/money.ts';
import { currencyExponent } from '../../src/domain/currency.ts';
import { toBase } from '../../src/domain/prepare.ts';

describe('parseDecimalToMinor (round half away from zero)', () => {
  it.each([
    ['1234.5', 2, 123450n],
    ['1234.505', 2, 123451n],
    ['1234.504', 2, 123450n],
    ['0.005', 2, 1n],
    ['0.0049', 2, 0n],
    ['-0.005', 2, -1n],
    ['-1.234', 2, -123n],
    ['12', 0, 12n],
    ['12.5', 0, 13n],
    ['12.49', 0, 12n],
    ['7', 3, 7000n],
    ['00012.10', 2, 1210n],
  ])('%s with exponent %i → %s', (text, exp, expected) => {
    expect(parseDecimalToMinor(text, exp)).toBe(expected);
  });

  it.each(['', ' 12', '12,000.00', '1e5', '+5', '.5', '5.', 'abc', '1 000', '0x10'])('rejects %j', (text) => {
    expect(parseDecimalToMinor(text, 2)).toBeNull();
  });
});

describe('formatMinor', () => {
  it.each([
    [123450n, 2, '1234.50'],
    [5n, 2, '0.05'],
    [-5n, 2, '-0.05'],
    [0n, 2, '0.00'],
    [1234n, 0, '1234'],
    [1n, 3, '0.001'],
  ])('%s / 10^%i → %s', (v, exp, text) => {
    expect(formatMinor(v, exp)).toBe(text);
  });
});

describe('roundDiv', () => {
  it.each([
    [5n, 2n, 3n],
    [-5n, 2n, -3n],
    [7n, 2n, 4n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [-2n, 3n, -1n],
    [5n, -2n, -3n],
    [10n, 5n, 2n],
  ])('round(%s / %s) = %s', (n, d, q) => {
    expect(roundDiv(n, d)).toBe(q);
  });
});

describe('ISO 4217 exponents', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['CAD', 2],
    ['AUD', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['XYZ', 2],
  ])('%s has %i', (c, e) => {
    expect(currencyExponent(c)).toBe(e);
  });
});

describe('base amount A(d) = round(minor × rate × 10^(expBase − expDeal))', () => {
  it('converts EUR cents to USD cents', () => {
    expect(toBase(1_000_000n, parseRational('1.08'), 2, 2)).toBe(1_080_000n);
  });
  it('converts whole yen to USD cents', () => {
    // ¥150,000 × 0.0067 = $1,005.00
    expect(toBase(150_000n, parseRational('0.0067'), 0, 2)).toBe(100_500n);
  });
  it('converts USD cents to whole yen, rounding half away from zero', () => {
    // $10.05 × 149.5 = ¥1502.475 → ¥1502
    expect(toBase(1005n, parseRational('149.5'), 2, 0)).toBe(1502n);
    // $0.01 × 150 = ¥1.5 → ¥2
    expect(toBase(1n, parseRational('150'), 2, 0)).toBe(2n);
  });
});

describe('ratios', () => {
  it('rounds to fixed decimals half away from zero', () => {
    expect(ratioToNumber(rat(1, 3), 4)).toBe(0.3333);
    expect(ratioToNumber(rat(2, 3), 4)).toBe(0.6667);
    expect(ratioToNumber(rat(1, 8), 2)).toBe(0.13);
    expect(ratioToNumber(rat(-1, 8), 2)).toBe(-0.13);
    expect(ratioToNumber(rat(1005, 10), 1)).toBe(100.5);
  });
  it('parses numbers written with an exponent exactly', () => {
    expect(parseRational('1e-7')).toEqual({ num: 1n, den: 10_000_000n });
    expect(parseRational('0.25')).toEqual({ num: 1n, den: 4n });
  });
});
