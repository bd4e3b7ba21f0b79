// JSON values of a write turned into stored values. A value the JSON deserializer cannot read as
// the field's type fails the whole request (JSON_PARSER_ERROR), as in Salesforce; values of the
// right type that break a field rule (length, picklist, range) fail only their record
// (see validate.ts).

import { SfApiError } from '../errors.ts';
import { parseDateLiteral, parseDateTimeLiteral } from '../soql/literals.ts';
import { NUMERIC_TYPES } from '../schema/types.ts';
import type { FieldDef, FieldValue } from '../schema/types.ts';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const LOOSE_DATETIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

function parserError(field: FieldDef, value: unknown, what: string): SfApiError {
  return new SfApiError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${what} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE_TOKEN'} value ${JSON.stringify(value)} or request may be missing a required field (field ${field.name})`,
  );
}

/** A dateTime as written by clients: ISO-8601 with offset or Z, or a bare date (midnight UTC). */
export function parseDateTimeInput(text: string): number | null {
  const m = LOOSE_DATETIME.exec(text.trim());
  if (!m?.[1]) return null;
  if (m[2] === undefined) {
    const day = parseDateLiteral(m[1]);
    return day === null ? null : Date.parse(`${day}T00:00:00Z`);
  }
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2];
  const [whole, frac] = time.split('.');
  const millis = frac === undefined ? '' : `.${frac.slice(0, 3)}`;
  const zone =
    m[3] === undefined || m[3] === 'Z' ? 'Z' : m[3].includes(':') ? m[3] : `${m[3].slice(0, 3)}:${m[3].slice(3)}`;
  return parseDateTimeLiteral(`${m[1]}T${whole ?? ''}${millis}${zone}`);
}

function coerceNumber(field: FieldDef, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  throw parserError(field, value, field.type === 'int' ? 'int' : 'double');
}

function coerceBoolean(field: FieldDef, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw parserError(field, value, 'boolean');
}

function coerceDate(field: FieldDef, value: unknown): string {
  if (typeof value === 'string') {
    const day = parseDateLiteral(value.slice(0, 10));
    if (day !== null && (value.length === 10 || parseDateTimeInput(value) !== null)) return day;
  }
  throw parserError(field, value, 'date');
}

function coerceDateTime(field: FieldDef, value: unknown): number {
  const ms = typeof value === 'string' ? parseDateTimeInput(value) : null;
  if (ms === null) throw parserError(field, value, 'dateTime');
  return ms;
}

function coerceText(field: FieldDef, value: unknown): string {
  if (typeof value === 'string') return value;
  // The deserializer turns scalars into text for text fields; objects and arrays it refuses.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw parserError(field, value, 'String');
}

export function coerceValue(field: FieldDef, value: unknown): FieldValue {
  // Salesforce stores an empty string as null, whatever the type.
  if (value === null || value === '') return null;
  if (NUMERIC_TYPES.has(field.type)) return coerceNumber(field, value);
  switch (field.type) {
    case 'boolean':
      return coerceBoolean(field, value);
    case 'date':
      return coerceDate(field, value);
    case 'datetime':
      return coerceDateTime(field, value);
    default:
      return coerceText(field, value);
  }
}
