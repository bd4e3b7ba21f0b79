// Resolves field paths against the schema: `Name` on the queried object, or one level of
// relationship (`Account.Name`, `Owner.Email`, `Partner_Source__r.Name`, polymorphic `What.Name`).
// Custom fields the caller cannot read do not exist for them, as in Salesforce.

import type { FieldAccess } from '../store/field-access.ts';
import type { ObjectTable } from '../store/object-table.ts';
import type { FieldDef, FieldValue, SfRecord } from '../schema/types.ts';
import type { FieldPath } from './ast.ts';
import { noSuchColumn, noSuchRelation } from './soql-error.ts';

export interface QuerySchema {
  table(name: string): ObjectTable | undefined;
  find(id: string): { table: ObjectTable; row: SfRecord } | undefined;
  access: FieldAccess;
}

export interface ResolvedField {
  /** The field read (on the related object for relationship paths). */
  def: FieldDef;
  /** For relationship paths: the reference field on the queried object. */
  via: FieldDef | null;
  /** Canonical path text, e.g. `Account.Name`. */
  canonical: string;
  get(row: SfRecord): FieldValue;
  /** The related row for relationship paths (null when the reference is empty). */
  parent(row: SfRecord): { table: ObjectTable; row: SfRecord } | null;
}

function visibleField(table: ObjectTable, name: string, access: FieldAccess): FieldDef | undefined {
  const f = table.field(name);
  return f !== undefined && access.canRead(table, f) ? f : undefined;
}

export function resolvePath(path: FieldPath, base: ObjectTable, schema: QuerySchema, source: string): ResolvedField {
  const [first, second] = path.segments;
  if (first === undefined) throw noSuchColumn(source, path.pos, path.text, base.name);
  if (second === undefined) {
    const def = visibleField(base, first, schema.access);
    if (def === undefined) throw noSuchColumn(source, path.pos, path.text, base.name);
    return { def, via: null, canonical: def.name, get: (row) => row[def.name] ?? null, parent: () => null };
  }
  return resolveRelated(path, first, second, base, schema, source);
}

function resolveRelated(
  path: FieldPath,
  relName: string,
  fieldName: string,
  base: ObjectTable,
  schema: QuerySchema,
  source: string,
): ResolvedField {
  const via = base.relationship(relName);
  if (via === undefined || !schema.access.canRead(base, via)) throw noSuchRelation(source, path.pos, relName);
  const targets = (via.referenceTo ?? []).map((n) => schema.table(n)).filter((t) => t !== undefined);
  // A polymorphic relationship only offers the fields every target has.
  const defs = targets.map((t) => visibleField(t, fieldName, schema.access));
  const def = defs[0];
  if (def === undefined || defs.some((d) => d === undefined)) {
    throw noSuchColumn(
      source,
      path.pos + relName.length + 1,
      fieldName,
      targets.length === 1 ? (targets[0]?.name ?? relName) : 'Name',
    );
  }
  const parent = (row: SfRecord): { table: ObjectTable; row: SfRecord } | null => {
    const id = row[via.name];
    return typeof id === 'string' ? (schema.find(id) ?? null) : null;
  };
  return {
    def,
    via,
    canonical: `${via.relationshipName ?? relName}.${def.name}`,
    get: (row) => parent(row)?.row[def.name] ?? null,
    parent,
  };
}
