// How deeply a JSON text nests, read from its raw bytes before anything parses it: a body nested
// a million levels deep costs JSON.parse (and every walk over the result) far more than its
// size suggests, so bodies deeper than the limit are refused unparsed.

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * True when the JSON text in `bytes` opens more than `max` objects or arrays inside each other.
 * Brackets inside strings do not count. UTF-8 multi-byte sequences never contain these ASCII
 * bytes, so the bytes can be scanned as they are. Malformed text is left to the parser.
 */
export function jsonDepthExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}
