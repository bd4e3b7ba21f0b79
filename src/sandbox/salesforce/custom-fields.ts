// Custom fields as the Tooling API creates them: `CustomField` with `FullName: 'Object.Field__c'`
// and `Metadata` (type, label, length/precision/scale, valueSet for picklists, referenceTo /
// relationshipName / deleteConstraint for lookups). Creating one adds the field to the object;
// nobody sees it until FieldPermissions grant it (field-access.ts).
// https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm

import { z } from 'zod';
import { SfApiError } from './errors.ts';
import type { SalesforceOrg } from './store/org.ts';
import type { ObjectTable } from './store/object-table.ts';
import type { FieldDef, FieldType, PicklistEntry } from './schema/types.ts';

const FIELD_TYPES = {
  Number: 'double',
  Percent: 'percent',
  Currency: 'currency',
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Picklist: 'picklist',
  MultiselectPicklist: 'multipicklist',
  Date: 'date',
  DateTime: 'datetime',
  Lookup: 'reference',
  Checkbox: 'boolean',
  Email: 'email',
  Url: 'url',
  Phone: 'phone',
} as const satisfies Record<string, FieldType>;
type MetadataType = keyof typeof FIELD_TYPES;

const valueSchema = z
  .object({
    valueName: z.string().optional(),
    fullName: z.string().optional(),
    label: z.string().optional(),
    default: z.boolean().optional(),
  })
  .loose();

export const metadataSchema = z
  .object({
    type: z.enum(Object.keys(FIELD_TYPES) as [MetadataType, ...MetadataType[]]),
    label: z.string().trim().min(1).max(40),
    description: z.string().max(1000).nullish(),
    inlineHelpText: z.string().max(510).nullish(),
    length: z.number().int().nullish(),
    precision: z.number().int().nullish(),
    scale: z.number().int().nullish(),
    visibleLines: z.number().int().nullish(),
    required: z.boolean().nullish(),
    defaultValue: z.union([z.string(), z.boolean()]).nullish(),
    referenceTo: z.string().nullish(),
    relationshipName: z.string().nullish(),
    relationshipLabel: z.string().nullish(),
    deleteConstraint: z.enum(['SetNull', 'Restrict', 'Cascade']).nullish(),
    valueSet: z
      .object({
        restricted: z.boolean().nullish(),
        valueSetDefinition: z
          .object({ sorted: z.boolean().nullish(), value: z.array(valueSchema) })
          .loose()
          .nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();

export type FieldMetadata = z.infer<typeof metadataSchema>;

const DEVELOPER_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;

const integrity = (message: string): SfApiError => new SfApiError(400, 'FIELD_INTEGRITY_EXCEPTION', message, []);

function need<T>(value: T | null | undefined, prop: string, type: string): T {
  if (value === null || value === undefined)
    throw integrity(`Must specify '${prop}' for a CustomField of type ${type}`);
  return value;
}

function picklistValues(meta: FieldMetadata): PicklistEntry[] {
  const values = need(meta.valueSet?.valueSetDefinition?.value, 'valueSet', meta.type);
  const entries = values.map((v) => {
    const value = v.valueName ?? v.fullName;
    if (value === undefined || value.trim() === '') throw integrity('Picklist values need a valueName');
    return { value, label: v.label ?? value, active: true, defaultValue: v.default === true };
  });
  if (entries.length === 0) throw integrity(`Must specify at least one value for a CustomField of type ${meta.type}`);
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.value.toLowerCase()))
      throw new SfApiError(400, 'DUPLICATE_VALUE', `Duplicate picklist value: ${e.value}`, []);
    seen.add(e.value.toLowerCase());
  }
  return entries;
}

function sizes(meta: FieldMetadata): Partial<FieldDef> {
  switch (meta.type) {
    case 'Number':
    case 'Percent':
    case 'Currency': {
      const precision = need(meta.precision, 'precision', meta.type);
      const scale = need(meta.scale, 'scale', meta.type);
      if (precision < 1 || precision > 18 || scale < 0 || scale > precision)
        throw integrity(`Invalid precision/scale ${precision}/${scale}: precision 1–18, scale 0–precision`);
      return { precision, scale };
    }
    case 'Text': {
      const length = need(meta.length, 'length', meta.type);
      if (length < 1 || length > 255) throw integrity(`Length must be 1–255 for a Text field, not ${length}`);
      return { length };
    }
    case 'TextArea':
      return { length: 255, extraTypeInfo: 'plaintextarea' };
    case 'LongTextArea': {
      const length = need(meta.length, 'length', meta.type);
      need(meta.visibleLines, 'visibleLines', meta.type);
      if (length < 256 || length > 131072)
        throw integrity(`Length must be 256–131072 for a LongTextArea field, not ${length}`);
      return { length, extraTypeInfo: 'plaintextarea' };
    }
    case 'MultiselectPicklist':
      need(meta.visibleLines, 'visibleLines', meta.type);
      return {
        length: 4099,
        picklistValues: picklistValues(meta),
        restrictedPicklist: meta.valueSet?.restricted === true,
      };
    case 'Picklist':
      return {
        length: 255,
        picklistValues: picklistValues(meta),
        restrictedPicklist: meta.valueSet?.restricted === true,
      };
    case 'Email':
      return { length: 80 };
    case 'Url':
      return { length: 255 };
    case 'Phone':
      return { length: 40 };
    default:
      return {};
  }
}

function lookup(
  org: SalesforceOrg,
  table: ObjectTable,
  meta: FieldMetadata,
  ignoring: string | null,
): Partial<FieldDef> {
  const target = org.table(need(meta.referenceTo, 'referenceTo', meta.type));
  if (target === undefined || target.def.tooling)
    throw integrity(`referenceTo value of '${meta.referenceTo ?? ''}' does not resolve to a valid sObject type`);
  const base = need(meta.relationshipName, 'relationshipName', meta.type);
  if (!DEVELOPER_NAME.test(base) || base.endsWith('_')) throw integrity(`Invalid relationshipName '${base}'`);
  const relationshipName = `${base}__r`;
  const clash = table.relationship(relationshipName);
  if (clash !== undefined && clash.name.toLowerCase() !== ignoring) {
    throw new SfApiError(
      400,
      'DUPLICATE_DEVELOPER_NAME',
      `There is already a relationship named ${base} on ${table.name}.`,
      [],
    );
  }
  return {
    referenceTo: [target.name],
    relationshipName,
    deleteConstraint: meta.deleteConstraint ?? 'SetNull',
    length: 18,
  };
}

function checkboxDefault(meta: FieldMetadata): boolean {
  const raw = need(meta.defaultValue, 'defaultValue', meta.type);
  return raw === true || String(raw).toLowerCase() === 'true';
}

/** The field definition a Metadata body describes (validated as the Tooling API does). */
export function fieldFromMetadata(
  org: SalesforceOrg,
  table: ObjectTable,
  name: string,
  meta: FieldMetadata,
  ignoring: string | null = null,
): FieldDef {
  const type: FieldType = FIELD_TYPES[meta.type];
  const required = meta.required === true;
  const def: FieldDef = {
    name,
    label: meta.label,
    type,
    nillable: !required && type !== 'boolean',
    createable: true,
    updateable: true,
    custom: true,
    ...sizes(meta),
    ...(meta.type === 'Lookup' ? lookup(org, table, meta, ignoring) : {}),
  };
  if (meta.description) def.description = meta.description;
  if (meta.inlineHelpText) def.inlineHelpText = meta.inlineHelpText;
  if (meta.type === 'Checkbox') def.defaultValue = checkboxDefault(meta);
  const picklistDefault = def.picklistValues?.find((p) => p.defaultValue);
  if (picklistDefault) def.defaultValue = picklistDefault.value;
  return def;
}

/** `Opportunity.Partner_Source__c` → its object and field name, checked. */
export function parseFullName(org: SalesforceOrg, fullName: string): { table: ObjectTable; field: string } {
  const m = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)__c$/.exec(fullName);
  if (!m?.[1] || !m[2]) throw integrity(`Invalid FullName '${fullName}': expected Object.Field__c`);
  const table = org.table(m[1]);
  if (table === undefined || table.def.tooling)
    throw new SfApiError(400, 'INVALID_TYPE', `sObject type '${m[1]}' is not supported.`, []);
  if (!DEVELOPER_NAME.test(m[2]) || m[2].endsWith('_') || m[2].length > 40) {
    throw integrity(
      `The field name ${m[2]} can only contain underscores and alphanumeric characters, must begin with a letter, not end with an underscore and not contain two consecutive underscores (40 characters at most).`,
    );
  }
  return { table, field: `${m[2]}__c` };
}
