// Change events name fields (changedFields, nulledFields, diffFields) as bitmaps over the
// positions of the event schema's top-level fields when they travel through the Pub/Sub API:
// "0x" and hexadecimal digits, the lowest bit for the first field. Compound fields add entries
// "<parent position>-0x…" over the parent's own fields.
// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/event-deserialization-considerations.md

/** Field names of one bitmap list, given the schema's top-level field names and, per position, a compound field's sub-field names. */
export function fieldsFromBitmaps(
  entries: readonly string[],
  topLevel: readonly string[],
  subFields: (position: number) => readonly string[] | null = () => null,
): string[] {
  const names: string[] = [];
  for (const entry of entries) {
    const dash = entry.indexOf('-');
    if (dash === -1) {
      if (entry.startsWith('0x')) names.push(...namesAt(entry, topLevel));
      else names.push(entry); // already a field name (the Streaming API's form)
      continue;
    }
    const parentPos = Number(entry.slice(0, dash));
    const parent = topLevel[parentPos];
    const children = subFields(parentPos);
    if (parent === undefined || children === null) continue;
    for (const child of namesAt(entry.slice(dash + 1), children)) names.push(`${parent}.${child}`);
  }
  return names;
}

function namesAt(hex: string, fields: readonly string[]): string[] {
  if (!/^0x[0-9a-fA-F]+$/.test(hex)) throw new Error(`not a field bitmap: ${hex}`);
  let bits = BigInt(hex);
  const out: string[] = [];
  for (let i = 0; bits > 0n; i++, bits >>= 1n) {
    if ((bits & 1n) === 1n) {
      const name = fields[i];
      if (name !== undefined) out.push(name);
    }
  }
  return out;
}

/** The bitmap of these positions ("0x…", upper-case digits, as Salesforce sends them). */
export function bitmapOf(positions: readonly number[]): string {
  let bits = 0n;
  for (const p of positions) bits |= 1n << BigInt(p);
  return `0x${bits.toString(16).toUpperCase()}`;
}
