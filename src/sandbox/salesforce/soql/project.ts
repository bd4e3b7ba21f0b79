// Query rows as REST JSON: `attributes` first, then the selected fields in SELECT order, with
// relationship fields nested under the relationship name (null when the reference is empty).

import { wireValue } from '../format.ts';
import type { ObjectTable } from '../store/object-table.ts';
import type { SfRecord } from '../schema/types.ts';
import type { ResolvedField } from './resolve.ts';

export type JsonRecord = Record<string, unknown>;
export type Projector = (row: SfRecord) => JsonRecord;

export function recordUrl(table: ObjectTable, id: string, apiVersion: string): string {
  const api = table.def.tooling ? 'tooling/sobjects' : 'sobjects';
  return `/services/data/v${apiVersion}/${api}/${table.name}/${id}`;
}

export function attributes(table: ObjectTable, row: SfRecord, apiVersion: string): { type: string; url: string } {
  return { type: table.name, url: recordUrl(table, String(row['Id']), apiVersion) };
}

export function projector(table: ObjectTable, fields: readonly ResolvedField[], apiVersion: string): Projector {
  return (row) => {
    const out: JsonRecord = { attributes: attributes(table, row, apiVersion) };
    for (const f of fields) {
      if (f.via === null) {
        out[f.def.name] = wireValue(f.def, row[f.def.name]);
        continue;
      }
      const relName = f.via.relationshipName ?? f.via.name;
      const hit = f.parent(row);
      if (hit === null) {
        out[relName] = null;
        continue;
      }
      const nested = (out[relName] ?? { attributes: attributes(hit.table, hit.row, apiVersion) }) as JsonRecord;
      nested[f.def.name] = wireValue(f.def, hit.row[f.def.name]);
      out[relName] = nested;
    }
    return out;
  };
}
