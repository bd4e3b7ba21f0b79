// Field rules of a record write. Problems the deserializer would hit (unknown field, wrong JSON
// type) throw an SfApiError for the whole request; rule violations (required, length, picklist,
// range, references, field access) are returned as the record's errors, so one bad record in a
// collection fails alone.

import { SfApiError } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import type { FieldAccess } from '../store/field-access.ts';
import type { ObjectTable } from '../store/object-table.ts';
import type { SalesforceOrg } from '../store/org.ts';
import { NUMERIC_TYPES } from '../schema/types.ts';
import type { FieldDef, FieldValue, SfRecord } from '../schema/types.ts';
import { coerceValue } from './coerce.ts';

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export type Validated = { ok: true; values: Record<string, FieldValue> } | { ok: false; errors: SaveError[] };

export interface WriteContext {
  org: SalesforceOrg;
  table: ObjectTable;
  access: FieldAccess;
  mode: 'create' | 'update';
  /** The stored row being updated. */
  existing?: SfRecord;
}

const IGNORED_KEYS = new Set(['attributes', 'id', 'Id']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const saveError = (statusCode: string, message: string, fields: string[] = []): SaveError => ({
  statusCode,
  message,
  fields,
});

/** Canonical field definitions for the keys of a JSON body; unknown or invisible keys fail the request. */
function bodyFields(
  ctx: Pick<WriteContext, 'table' | 'access'>,
  body: Readonly<Record<string, unknown>>,
): [FieldDef, unknown][] {
  const out: [FieldDef, unknown][] = [];
  for (const [key, value] of Object.entries(body)) {
    if (IGNORED_KEYS.has(key)) continue;
    const f = ctx.table.field(key);
    if (f === undefined || !ctx.access.canRead(ctx.table, f)) {
      throw new SfApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${ctx.table.name}`);
    }
    out.push([f, value]);
  }
  return out;
}

/** Throws what the deserializer would (unknown field, unreadable value); no rule checks. */
export function checkDeserializable(
  table: ObjectTable,
  access: FieldAccess,
  body: Readonly<Record<string, unknown>>,
): void {
  for (const [f, raw] of bodyFields({ table, access }, body)) coerceValue(f, raw);
}

function writable(ctx: WriteContext, f: FieldDef): boolean {
  const allowed = ctx.mode === 'create' ? f.createable : f.updateable;
  return allowed && ctx.access.canEdit(ctx.table, f);
}

export function validateWrite(ctx: WriteContext, body: Readonly<Record<string, unknown>>): Validated {
  const entries = bodyFields(ctx, body);
  const values: Record<string, FieldValue> = {};
  for (const [f, raw] of entries) values[f.name] = coerceValue(f, raw);
  const errors: SaveError[] = [];
  const locked = entries.filter(([f]) => !writable(ctx, f)).map(([f]) => f.name);
  if (locked.length > 0) {
    errors.push(
      saveError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to ${ctx.mode} fields: ${locked.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        locked,
      ),
    );
  }
  for (const [f] of entries) {
    const value = values[f.name] ?? null;
    const problem = value === null ? null : checkValue(ctx.org, f, value);
    if (problem !== null) errors.push(problem);
    else if (value !== null) values[f.name] = normalize(f, value);
  }
  const missing = missingRequired(ctx, values);
  if (missing.length > 0)
    errors.push(saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

function missingRequired(ctx: WriteContext, values: Readonly<Record<string, FieldValue>>): string[] {
  return ctx.table.def.fields
    .filter((f) => !f.nillable && f.createable && f.type !== 'boolean' && f.defaultValue === undefined)
    .filter((f) =>
      ctx.mode === 'create' ? (values[f.name] ?? null) === null : f.name in values && values[f.name] === null,
    )
    .map((f) => f.name);
}

function normalize(f: FieldDef, value: FieldValue): FieldValue {
  if ((f.type === 'reference' || f.type === 'id') && typeof value === 'string') return normalizeId(value) ?? value;
  if (NUMERIC_TYPES.has(f.type) && typeof value === 'number') {
    const factor = 10 ** (f.scale ?? 0);
    return Math.round(value * factor) / factor;
  }
  if (
    (f.type === 'picklist' || f.type === 'multipicklist') &&
    typeof value === 'string' &&
    f.restrictedPicklist === true
  ) {
    return value
      .split(';')
      .map((v) => f.picklistValues?.find((p) => p.value.toLowerCase() === v.toLowerCase())?.value ?? v)
      .join(';');
  }
  return value;
}

function checkValue(org: SalesforceOrg, f: FieldDef, value: FieldValue): SaveError | null {
  if (
    typeof value === 'string' &&
    f.length !== undefined &&
    value.length > f.length &&
    f.type !== 'reference' &&
    f.type !== 'id'
  ) {
    return saveError(
      'STRING_TOO_LONG',
      `${f.label}: data value too large: ${value.slice(0, 40)} (max length=${f.length})`,
      [f.name],
    );
  }
  if (f.type === 'picklist' || f.type === 'multipicklist') return checkPicklist(f, String(value));
  if (f.type === 'reference') return checkReference(org, f, String(value));
  if (f.type === 'email' && !EMAIL.test(String(value)))
    return saveError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${String(value)}`, [f.name]);
  if (NUMERIC_TYPES.has(f.type) && typeof value === 'number') return checkRange(f, value);
  return null;
}

function checkPicklist(f: FieldDef, value: string): SaveError | null {
  if (f.restrictedPicklist !== true) return null;
  const allowed = new Set((f.picklistValues ?? []).filter((p) => p.active).map((p) => p.value.toLowerCase()));
  const bad = value.split(';').find((v) => !allowed.has(v.toLowerCase()));
  return bad === undefined
    ? null
    : saveError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${f.label}: bad value for restricted picklist field: ${bad}`,
        [f.name],
      );
}

function checkReference(org: SalesforceOrg, f: FieldDef, value: string): SaveError | null {
  const id = normalizeId(value);
  const targets = new Set((f.referenceTo ?? []).map((n) => org.table(n)?.def.keyPrefix));
  if (id === null || !targets.has(id.slice(0, 3))) {
    return saveError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${value}`, [f.name]);
  }
  const hit = org.find(id);
  if (hit === undefined || hit.row['IsDeleted'] === true) {
    return saveError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
  }
  return null;
}

function checkRange(f: FieldDef, value: number): SaveError | null {
  if (f.precision === undefined) return null;
  const integerDigits = Math.max(0, f.precision - (f.scale ?? 0));
  if (Math.abs(value) < 10 ** integerDigits) return null;
  return saveError(
    'NUMBER_OUTSIDE_VALID_RANGE',
    `${f.label}: value outside of valid range on numeric field: ${value}`,
    [f.name],
  );
}
