// Terse constructors for field definitions, so object definitions read like a describe summary.

import type { FieldDef, FieldType, FieldValue, PicklistEntry } from './types.ts';

interface Options {
  label?: string;
  required?: boolean;
  readOnly?: boolean;
  /** Settable on create only (e.g. OpportunityId on a junction row). */
  createOnly?: boolean;
  custom?: boolean;
  defaultValue?: FieldValue;
  description?: string;
}

/** `CloseDate` → `Close Date`, `AccountId` → `Account ID`. */
export function labelOf(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/Id$/, ' ID')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

export function field(name: string, type: FieldType, options: Options = {}, extra: Partial<FieldDef> = {}): FieldDef {
  const readOnly = options.readOnly ?? false;
  const def: FieldDef = {
    name,
    label: options.label ?? labelOf(name),
    type,
    nillable: !(options.required ?? false) && type !== 'boolean',
    createable: !readOnly,
    updateable: !readOnly && !(options.createOnly ?? false),
    custom: options.custom ?? false,
    ...extra,
  };
  if (options.defaultValue !== undefined) def.defaultValue = options.defaultValue;
  if (options.description !== undefined) def.description = options.description;
  return def;
}

export const text = (name: string, length: number, options: Options = {}): FieldDef =>
  field(name, 'string', options, { length });

export const longText = (name: string, length: number, options: Options = {}): FieldDef =>
  field(name, 'textarea', options, { length, extraTypeInfo: 'plaintextarea' });

export const bool = (name: string, options: Options = {}): FieldDef =>
  field(name, 'boolean', { defaultValue: false, ...options });

export const dateTime = (name: string, options: Options = {}): FieldDef => field(name, 'datetime', options);

export const date = (name: string, options: Options = {}): FieldDef => field(name, 'date', options);

export const number = (
  name: string,
  type: 'currency' | 'double' | 'percent' | 'int',
  precision: number,
  scale: number,
  options: Options = {},
): FieldDef => field(name, type, options, { precision, scale });

export function picklistEntries(values: readonly string[], defaultValue?: string): PicklistEntry[] {
  return values.map((value) => ({ value, label: value, active: true, defaultValue: value === defaultValue }));
}

export function picklist(
  name: string,
  values: readonly string[],
  options: Options & { restricted?: boolean; multi?: boolean } = {},
): FieldDef {
  const withDefault = typeof options.defaultValue === 'string' ? options.defaultValue : undefined;
  return field(name, options.multi === true ? 'multipicklist' : 'picklist', options, {
    length: 255,
    picklistValues: picklistEntries(values, withDefault),
    restrictedPicklist: options.restricted ?? false,
  });
}

export function reference(
  name: string,
  referenceTo: readonly string[],
  relationshipName: string,
  options: Options = {},
): FieldDef {
  return field(name, 'reference', options, { length: 18, referenceTo, relationshipName });
}

/** Id, IsDeleted and the audit fields every object carries. */
export function systemFields(): FieldDef[] {
  return [
    field('Id', 'id', { readOnly: true, required: true, label: 'Record ID' }, { length: 18 }),
    bool('IsDeleted', { readOnly: true, label: 'Deleted' }),
    dateTime('CreatedDate', { readOnly: true, required: true }),
    reference('CreatedById', ['User'], 'CreatedBy', { readOnly: true, required: true }),
    dateTime('LastModifiedDate', { readOnly: true, required: true }),
    reference('LastModifiedById', ['User'], 'LastModifiedBy', { readOnly: true, required: true }),
    dateTime('SystemModstamp', { readOnly: true, required: true, label: 'System Modstamp' }),
  ];
}
