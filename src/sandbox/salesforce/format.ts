// Value formats on the wire: dateTimes as `2026-03-01T10:00:00.000+0000` (Salesforce's REST
// format, UTC), dates as `YYYY-MM-DD`, everything else as JSON scalars.

import type { FieldDef, FieldValue } from './schema/types.ts';

export function formatDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`;
}

/** The JSON value of a stored field value. */
export function wireValue(field: FieldDef, value: FieldValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (field.type === 'datetime' && typeof value === 'number') return formatDateTime(value);
  if (field.type === 'complexvalue' && typeof value === 'string') return JSON.parse(value) as unknown;
  return value;
}

/** The text of a value in a Bulk API CSV cell (empty for null). */
export function csvValue(field: FieldDef, value: FieldValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (field.type === 'datetime' && typeof value === 'number') return formatDateTime(value);
  return String(value);
}
