// The org in and out of JSON: `dumpState` (records as the API would show them, for
// GET /__sandbox/state) and `serialize`/`restoreOrg` (raw values for the state file; custom
// fields are rebuilt from their Tooling CustomField rows).

import { z } from 'zod';
import { addOrganization } from './seed/seed-org.ts';
import { fieldFromMetadata, metadataSchema, parseFullName } from './custom-fields.ts';
import { wireValue } from './format.ts';
import type { OrgShape } from './schema/standard-objects.ts';
import { DEFAULT_STAGES } from './schema/standard-objects.ts';
import { SalesforceOrg } from './store/org.ts';

const STATE_VERSION = 1;

const savedState = z.object({
  version: z.literal(STATE_VERSION),
  // multiCurrency: absent in files saved before single-currency orgs existed (all multi-currency).
  shape: z.object({
    currencies: z.array(z.string()),
    corporateCurrency: z.string(),
    multiCurrency: z.boolean().default(true),
  }),
  integrationUserId: z.string(),
  idCounters: z.array(z.tuple([z.string(), z.number()])),
  usage: z.array(z.tuple([z.number(), z.number()])),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))),
});

export type SavedState = z.infer<typeof savedState>;

export function dumpOrg(org: SalesforceOrg): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const table of [...org.objects(false), ...org.objects(true)]) {
    out[table.name] = [...table.rows.values()].map((row) => {
      const rec: Record<string, unknown> = {};
      for (const f of table.def.fields) rec[f.name] = wireValue(f, row[f.name]);
      return rec;
    });
  }
  return out;
}

export function serializeOrg(org: SalesforceOrg, integrationUserId: string, usage: [number, number][]): SavedState {
  const tables: SavedState['tables'] = {};
  for (const table of [...org.objects(false), ...org.objects(true)])
    tables[table.name] = [...table.rows.values()].map((r) => ({ ...r }));
  return {
    version: STATE_VERSION,
    shape: {
      currencies: [...org.shape.currencies],
      corporateCurrency: org.shape.corporateCurrency,
      multiCurrency: org.shape.multiCurrency,
    },
    integrationUserId,
    idCounters: org.ids.snapshot(),
    usage,
    tables,
  };
}

export function restoreOrg(saved: unknown, now: () => number): { org: SalesforceOrg; state: SavedState } {
  const state = savedState.parse(saved);
  const shape: OrgShape = { stages: DEFAULT_STAGES, ...state.shape };
  const org = new SalesforceOrg({ ...shape, now });
  for (const row of state.tables['CustomField'] ?? []) {
    org.restoreRow('CustomField', row);
    if (row['IsDeleted'] === true) continue;
    const { table, field } = parseFullName(org, String(row['FullName']));
    table.addField(fieldFromMetadata(org, table, field, metadataSchema.parse(JSON.parse(String(row['Metadata'])))));
  }
  for (const [name, rows] of Object.entries(state.tables)) {
    if (name === 'CustomField' || org.table(name) === undefined) continue;
    for (const row of rows) org.restoreRow(name, row);
  }
  org.ids.restore(state.idCounters);
  // Files saved before the sandbox had an Organization object.
  if (org.table('Organization')?.rows.size === 0) addOrganization(org, state.integrationUserId, now());
  return { org, state };
}
