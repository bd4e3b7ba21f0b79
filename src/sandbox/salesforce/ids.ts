// Salesforce record ids: 3-character key prefix + 2-character pod + 10-character base-62
// sequence = 15 case-sensitive characters, plus a 3-character case-insensitive checksum that
// encodes which of the first 15 characters are upper case. The API always answers 18-character
// ids and accepts both forms.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const POD = '5g';
const ID15 = /^[0-9A-Za-z]{15}$/;
const ID18 = /^[0-9A-Za-z]{18}$/;

function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    out += SUFFIX.charAt(bits);
  }
  return out;
}

function base62(n: number, width: number): string {
  let out = '';
  let rest = n;
  for (let i = 0; i < width; i++) {
    out = BASE62.charAt(rest % 62) + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** The 18-character id for a key prefix and a sequence number. */
export function makeId(keyPrefix: string, sequence: number): string {
  const id15 = `${keyPrefix}${POD}${base62(sequence, 10)}`;
  return id15 + checksum(id15);
}

/** Canonical 18-character form of a 15- or 18-character id, or null if it is not an id. */
export function normalizeId(value: string): string | null {
  if (ID18.test(value)) {
    const id15 = value.slice(0, 15);
    return checksum(id15) === value.slice(15).toUpperCase() ? id15 + checksum(id15) : null;
  }
  if (ID15.test(value)) return value + checksum(value);
  return null;
}

/** Issues ids per key prefix; sequences count up so id order is creation order. */
export class IdAllocator {
  private readonly counters = new Map<string, number>();

  next(keyPrefix: string): string {
    const n = (this.counters.get(keyPrefix) ?? 0) + 1;
    this.counters.set(keyPrefix, n);
    return makeId(keyPrefix, n);
  }

  snapshot(): [string, number][] {
    return [...this.counters];
  }

  restore(entries: readonly (readonly [string, number])[]): void {
    this.counters.clear();
    for (const [prefix, n] of entries) this.counters.set(prefix, n);
  }
}
