// Property values on write: HubSpot checks every value against its property's type and options
// and rejects the whole request when one is wrong ("Property values were not valid").

import type { HubspotErrorDetail } from './errors.ts';
import { validationError } from './errors.ts';
import type { HsObjectType } from './object-types.ts';
import { SYSTEM_PROPERTIES, type HsPropertyDef } from './property-defs.ts';

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;
const DAY = 86_400_000;

type Normalised = { value: string } | { error: HubspotErrorDetail };

/** Parses a date/datetime value as HubSpot accepts it: epoch milliseconds or an ISO-8601 text. */
export function parseInstant(raw: string): number | null {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return null;
  const ms = Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw);
  return Number.isNaN(ms) ? null : ms;
}

function invalid(name: string, code: string, message: string): { error: HubspotErrorDetail } {
  return { error: { message, code, context: { propertyName: [name] } } };
}

export function normaliseValue(def: HsPropertyDef, input: unknown): Normalised {
  if (input === null || input === undefined) return { value: '' };
  if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'boolean') {
    return invalid(
      def.name,
      'INVALID_PROPERTY_VALUE',
      `Property "${def.name}" expects a string, number or boolean value`,
    );
  }
  const raw = String(input);
  if (raw === '') return { value: '' };
  switch (def.type) {
    case 'number':
      return DECIMAL.test(raw.trim())
        ? { value: raw.trim() }
        : invalid(def.name, 'INVALID_FLOAT', `${raw} was not a valid number.`);
    case 'datetime': {
      const ms = parseInstant(raw);
      return ms === null
        ? invalid(def.name, 'INVALID_DATE', `${raw} was not a valid long or ISO-8601 date-time.`)
        : { value: new Date(ms).toISOString() };
    }
    case 'date': {
      const ms = parseInstant(raw);
      if (ms === null || ms % DAY !== 0)
        return invalid(
          def.name,
          'INVALID_DATE',
          `${raw} is not a valid date: dates must be at midnight UTC (epoch ms or YYYY-MM-DD).`,
        );
      return { value: new Date(ms).toISOString().slice(0, 10) };
    }
    case 'bool': {
      const v = raw.toLowerCase();
      return v === 'true' || v === 'false'
        ? { value: v }
        : invalid(def.name, 'INVALID_BOOLEAN', `${raw} was not a valid boolean (true or false).`);
    }
    case 'enumeration':
      return enumerationValue(def, raw);
    default:
      return raw.length > 65_536
        ? invalid(def.name, 'VALUE_TOO_LONG', `Property "${def.name}" is longer than 65536 characters.`)
        : { value: raw };
  }
}

function enumerationValue(def: HsPropertyDef, raw: string): Normalised {
  const allowed = new Set(def.options.map((o) => o.value));
  const multi = def.fieldType === 'checkbox';
  const values = multi ? raw.split(';').filter((v) => v !== '') : [raw];
  const bad = values.filter((v) => !allowed.has(v));
  if (bad.length > 0) {
    return invalid(
      def.name,
      'INVALID_OPTION',
      `${bad.join(';')} was not one of the allowed options: [${[...allowed].join(', ')}]`,
    );
  }
  return { value: multi ? [...new Set(values)].join(';') : raw };
}

/**
 * Validates a properties object for a create or update: every name must exist and be writable,
 * every value must fit its type. Throws the 400 HubSpot answers when one does not.
 */
export function validateWrite(
  type: HsObjectType,
  defs: ReadonlyMap<string, HsPropertyDef>,
  input: Readonly<Record<string, unknown>>,
  required: readonly string[] = [],
): Record<string, string> {
  const errors: { name: string; detail: HubspotErrorDetail }[] = [];
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    const def = defs.get(name);
    if (!def || def.archived) {
      errors.push({
        name,
        detail: {
          message: `Property "${name}" does not exist`,
          code: 'PROPERTY_DOESNT_EXIST',
          context: { propertyName: [name] },
        },
      });
      continue;
    }
    if (SYSTEM_PROPERTIES[type].includes(name) || def.calculated) {
      // HubSpot ignores writes of hs_object_id and the dates it maintains rather than failing; a
      // calculated property is an error.
      if (def.calculated)
        errors.push({
          name,
          detail: {
            message: `Property "${name}" is read-only`,
            code: 'READ_ONLY_VALUE',
            context: { propertyName: [name] },
          },
        });
      continue;
    }
    const normalised = normaliseValue(def, raw);
    if ('error' in normalised) errors.push({ name, detail: normalised.error });
    else values[name] = normalised.value;
  }
  for (const name of required) {
    if ((values[name] ?? '') === '' && !errors.some((e) => e.name === name)) {
      errors.push({
        name,
        detail: { message: `${name} is required`, code: 'REQUIRED_PROPERTY', context: { propertyName: [name] } },
      });
    }
  }
  if (errors.length > 0) throw propertyValuesError(errors);
  return values;
}

function propertyValuesError(errors: readonly { name: string; detail: HubspotErrorDetail }[]): Error {
  const legacy = errors.map((e) => ({
    isValid: false,
    message: e.detail.message,
    error: e.detail.code,
    name: e.name,
    localizedErrorMessage: e.detail.message,
  }));
  return validationError(
    `Property values were not valid: ${JSON.stringify(legacy)}`,
    errors.map((e) => e.detail),
  );
}
