// Exact money and ratio arithmetic: integers in minor units (bigint) and rationals.
// Nothing here touches binary floating point except `ratioToNumber` for output.

/** A plain decimal: optional minus, digits, optional fraction (docs/finance-rules.md §2). */
export const DECIMAL = /^-?\d+(\.\d+)?$/;

export interface Rational {
  num: bigint;
  den: bigint; // always > 0
}

const TEN = 10n;
const POW10: bigint[] = [];
export function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = TEN ** BigInt(n);
    POW10[n] = p;
  }
  return p;
}

export function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** round(num / den), half away from zero. `den` must be non-zero. */
export function roundDiv(num: bigint, den: bigint): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const q = num / den; // truncates toward zero
  const r = num - q * den;
  if (2n * abs(r) >= den) return num < 0n ? q - 1n : q + 1n;
  return q;
}

/** floor(num / den) for den > 0. */
export function floorDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den !== 0n && num < 0n ? q - 1n : q;
}

/** Parses a plain decimal into minor units of the given exponent, rounding half away from zero. */
export function parseDecimalToMinor(text: string, exponent: number): bigint | null {
  if (!DECIMAL.test(text)) return null;
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? '' : body.slice(dot + 1);
  let value: bigint;
  if (frac.length <= exponent) {
    value = BigInt(intPart + frac.padEnd(exponent, '0'));
  } else {
    const kept = BigInt(intPart + frac.slice(0, exponent));
    const rest = frac.slice(exponent);
    // half away from zero on the magnitude: round up when the dropped digits are >= 0.5
    value = rest.charCodeAt(0) >= 53 /* '5' */ ? kept + 1n : kept;
  }
  return negative ? -value : value;
}

/** Formats minor units as a decimal string with exactly `exponent` fraction digits. */
export function formatMinor(value: bigint, exponent: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const cut = padded.length - exponent;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/**
 * Parses a decimal or a JavaScript number's string form (which may use an exponent, as
 * `String(1e-7)` does) into an exact rational.
 */
export function parseRational(text: string): Rational {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a number: ${text}`);
  const [, sign = '', int = '0', frac = '', expText] = m;
  let num = BigInt(int + frac);
  let scale = frac.length - (expText === undefined ? 0 : Number(expText));
  if (sign === '-') num = -num;
  if (scale < 0) {
    num *= pow10(-scale);
    scale = 0;
  }
  return reduce({ num, den: pow10(scale) });
}

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function reduce(r: Rational): Rational {
  if (r.num === 0n) return { num: 0n, den: 1n };
  const g = gcd(r.num, r.den);
  return g === 1n ? r : { num: r.num / g, den: r.den / g };
}

export function rat(num: bigint | number, den: bigint | number = 1n): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new Error('zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return { num: n, den: d };
}

export function add(a: Rational, b: Rational): Rational {
  return a.den === b.den
    ? { num: a.num + b.num, den: a.den }
    : { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}
export function sub(a: Rational, b: Rational): Rational {
  return add(a, { num: -b.num, den: b.den });
}
export function mul(a: Rational, b: Rational): Rational {
  return { num: a.num * b.num, den: a.den * b.den };
}
export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new Error('division by zero');
  return b.num < 0n ? { num: -a.num * b.den, den: a.den * -b.num } : { num: a.num * b.den, den: a.den * b.num };
}
export function cmp(a: Rational, b: Rational): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}
export function min(a: Rational, b: Rational): Rational {
  return cmp(a, b) <= 0 ? a : b;
}

/** Rounds a rational to `dp` decimal places (half away from zero) and returns it as a number for JSON. */
export function ratioToNumber(r: Rational, dp: number): number {
  const scaled = roundDiv(r.num * pow10(dp), r.den);
  return Number(formatMinor(scaled, dp));
}

/** round(r) to an integer, half away from zero. */
export function roundRational(r: Rational): bigint {
  return roundDiv(r.num, r.den);
}

/** A money formatter that reuses the previous text: consecutive entries often repeat a value. */
export function moneyText(exponent: number): (v: bigint) => string {
  let last: bigint | null = null;
  let text = '';
  return (v) => {
    if (v !== last) {
      last = v;
      text = formatMinor(v, exponent);
    }
    return text;
  };
}
