// The Avro schema of an object's change events, as the sandbox's Pub/Sub server serves it: the
// ChangeEventHeader record first, then every field of the object as an optional value (the
// record id travels in the header). Built from the object's current fields, so a custom field
// added later gives a new schema with a new id, as in Salesforce.

import { createHash } from 'node:crypto';
import avro from 'avsc';
import type { FieldDef, FieldValue } from '../schema/types.ts';
import type { ObjectTable } from '../store/object-table.ts';

export const CHANGE_TYPES = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

const HEADER = {
  type: 'record',
  name: 'ChangeEventHeader',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', symbols: [...CHANGE_TYPES] } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
} as const;

/** Fields a change event leaves out: the id (in the header) and the row's bookkeeping. */
const OMITTED = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

function avroType(f: FieldDef): unknown {
  switch (f.type) {
    case 'boolean':
      return 'boolean';
    case 'currency':
    case 'double':
    case 'percent':
      return 'double';
    case 'int':
      return 'int';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'datetime':
      return { type: 'long', logicalType: 'timestamp-millis' };
    default:
      return 'string';
  }
}

export interface ChangeSchema {
  id: string;
  json: string;
  type: avro.Type;
  /** Top-level field names in schema order (ChangeEventHeader first): bitmap positions. */
  fieldNames: readonly string[];
  fields: readonly FieldDef[];
}

export function changeSchemaOf(table: ObjectTable): ChangeSchema {
  const fields = table.def.fields.filter((f) => !OMITTED.has(f.name));
  const schema = {
    type: 'record',
    name: `${table.name}ChangeEvent`,
    namespace: 'com.sforce.eventbus',
    fields: [
      { name: 'ChangeEventHeader', type: HEADER },
      ...fields.map((f) => ({ name: f.name, type: ['null', avroType(f)], default: null })),
    ],
  };
  const json = JSON.stringify(schema);
  const id = createHash('sha256').update(json).digest('base64url').slice(0, 22);
  return {
    id,
    json,
    type: avro.Type.forSchema(schema as avro.Schema),
    fieldNames: ['ChangeEventHeader', ...fields.map((f) => f.name)],
    fields,
  };
}

/** A stored value as the Avro value of its field (dates as days since the epoch). */
export function avroValue(f: FieldDef, value: FieldValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  switch (f.type) {
    case 'boolean':
      return value === true;
    case 'currency':
    case 'double':
    case 'percent':
      return Number(value);
    case 'int':
      return Math.trunc(Number(value));
    case 'date':
      return typeof value === 'string' ? Math.round(Date.parse(`${value}T00:00:00Z`) / 86_400_000) : null;
    case 'datetime':
      return typeof value === 'number' ? value : Date.parse(String(value));
    default:
      return String(value);
  }
}
