// Runs a parsed query: resolve the FROM object and fields, filter, sort, apply OFFSET/LIMIT.
// The result holds the matching row objects (immutable, so this is a snapshot) and a projector
// that turns one row into the REST JSON record; the caller pages through it.

import type { ObjectTable } from '../store/object-table.ts';
import type { SfRecord } from '../schema/types.ts';
import type { OrderKey, SoqlQuery } from './ast.ts';
import { compileFilter, comparable, isLongText } from './filter.ts';
import { parseSoql } from './parser.ts';
import { projector } from './project.ts';
import type { Projector } from './project.ts';
import { resolvePath } from './resolve.ts';
import type { QuerySchema, ResolvedField } from './resolve.ts';
import { soqlError, unknownObject } from './soql-error.ts';

export interface QueryOptions {
  /** queryAll: include soft-deleted rows. */
  includeDeleted: boolean;
  /** Tooling API queries see Tooling objects, data queries the data objects. */
  tooling: boolean;
}

export interface QueryResult {
  table: ObjectTable;
  /** COUNT() queries: only the count matters. */
  countOnly: boolean;
  rows: SfRecord[];
  /** The selected fields in SELECT order (for CSV columns). */
  fields: ResolvedField[];
  project: Projector;
}

function resolveFrom(query: SoqlQuery, schema: QuerySchema, options: QueryOptions, source: string): ObjectTable {
  const table = schema.table(query.from.name);
  if (table === undefined || table.def.tooling !== options.tooling)
    throw unknownObject(source, query.from.pos, query.from.name);
  return table;
}

function selectFields(query: SoqlQuery, table: ObjectTable, schema: QuerySchema, source: string): ResolvedField[] {
  const seen = new Set<string>();
  return query.fields.map((path) => {
    const f = resolvePath(path, table, schema, source);
    const key = f.canonical.toLowerCase();
    if (seen.has(key)) throw soqlError('MALFORMED_QUERY', source, path.pos, `duplicate field selected: ${f.canonical}`);
    seen.add(key);
    return f;
  });
}

type SortValue = string | number | boolean | null;

function sortRows(
  rows: SfRecord[],
  keys: OrderKey[],
  table: ObjectTable,
  schema: QuerySchema,
  source: string,
): SfRecord[] {
  if (keys.length === 0) return rows;
  const resolved = keys.map((k) => {
    const f = resolvePath(k.field, table, schema, source);
    if (isLongText(f.def) || f.def.type === 'multipicklist') {
      throw soqlError('INVALID_FIELD', source, k.field.pos, `field '${f.canonical}' can not be sorted in a query call`);
    }
    return { f, key: k };
  });
  // Decorate once so a 100k-row sort does not recompute (upper-cased) keys per comparison.
  const decorated = rows.map((row) => ({ row, values: resolved.map(({ f }) => comparable(f.def, f.get(row))) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < resolved.length; i++) {
      const spec = resolved[i];
      const c = spec === undefined ? 0 : compareValues(a.values[i] ?? null, b.values[i] ?? null, spec.key);
      if (c !== 0) return c;
    }
    return 0;
  });
  return decorated.map((d) => d.row);
}

function compareValues(a: SortValue, b: SortValue, key: OrderKey): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    const nullFirst = a === null ? -1 : 1;
    return key.nullsLast ? -nullFirst : nullFirst;
  }
  const c = a < b ? -1 : a > b ? 1 : 0;
  return key.descending ? -c : c;
}

export function runQuery(source: string, schema: QuerySchema, options: QueryOptions, apiVersion: string): QueryResult {
  const query = parseSoql(source);
  const table = resolveFrom(query, schema, options, source);
  const fields = selectFields(query, table, schema, source);
  const keep = compileFilter(query.where, table, schema, source);
  const matched: SfRecord[] = [];
  for (const row of table.rows.values()) {
    if ((options.includeDeleted || row['IsDeleted'] !== true) && keep(row)) matched.push(row);
  }
  const sorted = sortRows(matched, query.orderBy, table, schema, source);
  const start = query.offset ?? 0;
  const end = query.limit === null ? undefined : start + query.limit;
  const rows = start === 0 && end === undefined ? sorted : sorted.slice(start, end);
  return { table, countOnly: query.count, rows, fields, project: projector(table, fields, apiVersion) };
}
