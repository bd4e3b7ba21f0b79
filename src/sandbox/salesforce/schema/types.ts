// The org's metadata: objects, their fields and field types, in the terms `describe` uses.
//
// Stored values by type: text-like and picklists are strings, numbers are numbers, booleans are
// booleans, dates `YYYY-MM-DD` strings, dateTimes epoch milliseconds (formatted on the way out),
// complex values their JSON text.

export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'multipicklist'
  | 'email'
  | 'phone'
  | 'url'
  | 'boolean'
  | 'currency'
  | 'double'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  /** Tooling metadata (CustomField.Metadata): a JSON object, stored as its text. */
  | 'complexvalue';

export type FieldValue = string | number | boolean | null;

/** One stored record: canonical field name → value. Records are replaced, never mutated. */
export type SfRecord = Readonly<Record<string, FieldValue>>;

export interface PicklistEntry {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  custom: boolean;
  length?: number;
  precision?: number;
  scale?: number;
  referenceTo?: readonly string[];
  relationshipName?: string;
  picklistValues?: readonly PicklistEntry[];
  restrictedPicklist?: boolean;
  description?: string;
  inlineHelpText?: string;
  deleteConstraint?: string;
  /** Text area sub-type for describe (`extraTypeInfo`): plaintextarea or richtextarea. */
  extraTypeInfo?: string;
  /** Set automatically on create when the caller leaves the field out. */
  defaultValue?: FieldValue;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  /** Tooling objects live under /tooling and are not part of the data API. */
  tooling: boolean;
  fields: FieldDef[];
}

export const NUMERIC_TYPES: ReadonlySet<FieldType> = new Set(['currency', 'double', 'percent', 'int']);
export const TEXT_TYPES: ReadonlySet<FieldType> = new Set([
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'email',
  'phone',
  'url',
]);
export const ID_TYPES: ReadonlySet<FieldType> = new Set(['id', 'reference']);

/** SOAP type names as describe reports them. */
export function soapType(type: FieldType): string {
  switch (type) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'boolean':
      return 'xsd:boolean';
    case 'currency':
    case 'double':
    case 'percent':
      return 'xsd:double';
    case 'int':
      return 'xsd:int';
    case 'date':
      return 'xsd:date';
    case 'datetime':
      return 'xsd:dateTime';
    case 'complexvalue':
      return 'xsd:anyType';
    default:
      return 'xsd:string';
  }
}
