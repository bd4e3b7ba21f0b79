// "Equal" as the sync-engine issue defines it: the same ledger entries by key, kind, period and
// amount (ids and timestamps ignored); the same values in every CRM field (read from the
// sandbox's state, the CRM's own bookkeeping — modified dates, modifying user — left out); the
// same number of CRM tasks per alert episode. `compare` also counts what was lost (in the clean
// run, missing here) and what was duplicated (here more often than in the clean run).

import type { KyselyStore } from '../../src/store/kysely-store.ts';

export interface Outcome {
  /** "key | kind | period | amount", sorted (a multiset). */
  ledger: string[];
  /** "object:id" → the record's values as JSON (tasks left out: their ids and dates differ by run). */
  records: Map<string, string>;
  /** alertKey → CRM task counts of its episodes, sorted. */
  tasksPerEpisode: Map<string, number[]>;
  /** CRM tasks per marker (a marker is one episode's task). */
  tasksPerMarker: Map<string, number>;
  /** Outbox tasks not `created` at the end. */
  pendingTasks: number;
}

export interface Comparison {
  identical: boolean;
  lost: number;
  duplicates: number;
  differences: string[];
}

const BOOKKEEPING = new Set([
  'updatedAt',
  'hs_lastmodifieddate',
  'LastModifiedDate',
  'SystemModstamp',
  'LastModifiedById',
]);
const RECORD_TYPES: Record<string, readonly string[]> = {
  hubspot: ['companies', 'deals'],
  salesforce: ['Account', 'Opportunity', 'OpportunityPartner'],
};

/** A record's values without bookkeeping; links to tasks as a count (task ids follow creation order). */
function values(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (BOOKKEEPING.has(k)) continue;
    if (k === 'properties' && typeof v === 'object' && v !== null) out[k] = values(v as Record<string, unknown>);
    else if (k === 'associations' && typeof v === 'object' && v !== null) {
      const links = { ...(v as Record<string, unknown>) };
      if (Array.isArray(links['tasks'])) links['tasks'] = links['tasks'].length;
      out[k] = links;
    } else out[k] = v;
  }
  return out;
}

/** The marker of a CRM task: HubSpot's hidden property; Salesforce's Description line. */
function markerOf(crm: string, task: Record<string, unknown>): string | null {
  if (crm === 'hubspot') {
    const props = (task['properties'] ?? {}) as Record<string, unknown>;
    return typeof props['partnersync_marker'] === 'string' ? props['partnersync_marker'] : null;
  }
  const description = task['Description'];
  const m = /partnersync marker: (\S+)/.exec(typeof description === 'string' ? description : '');
  return m?.[1] ?? null;
}

export async function outcomeOf(
  crm: 'hubspot' | 'salesforce',
  dump: Readonly<Record<string, unknown>>,
  store: KyselyStore,
  account: string,
): Promise<Outcome> {
  const root = dump[crm] as Record<string, Record<string, unknown>[]>;
  const records = new Map<string, string>();
  for (const type of RECORD_TYPES[crm] ?? []) {
    for (const r of root[type] ?? []) records.set(`${type}:${String(r['id'] ?? r['Id'])}`, JSON.stringify(values(r)));
  }
  const tasksPerMarker = new Map<string, number>();
  for (const t of root[crm === 'hubspot' ? 'tasks' : 'Task'] ?? []) {
    const marker = markerOf(crm, t);
    if (marker !== null) tasksPerMarker.set(marker, (tasksPerMarker.get(marker) ?? 0) + 1);
  }
  const ledger = (await store.ledgerEntries(account, {}))
    .map((e) => `${e.key} | ${e.kind} | ${e.period} | ${e.amount}`)
    .sort();
  const episodes = new Map((await store.episodes(account, {})).map((e) => [e.id, e.alertKey]));
  const outbox = await store.tasks(account);
  const tasksPerEpisode = new Map<string, number[]>();
  for (const t of outbox) {
    const key = episodes.get(t.episodeId) ?? `unknown episode ${t.episodeId}`;
    tasksPerEpisode.set(
      key,
      [...(tasksPerEpisode.get(key) ?? []), tasksPerMarker.get(t.marker) ?? 0].sort((a, b) => a - b),
    );
  }
  return {
    ledger,
    records,
    tasksPerEpisode,
    tasksPerMarker,
    pendingTasks: outbox.filter((t) => t.status !== 'created').length,
  };
}

function multiset(items: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

export function compare(reference: Outcome, got: Outcome): Comparison {
  const differences: string[] = [];
  let lost = 0;
  let duplicates = 0;
  const ref = multiset(reference.ledger);
  const have = multiset(got.ledger);
  for (const [entry, n] of ref) {
    const m = have.get(entry) ?? 0;
    if (m < n) {
      lost += n - m;
      differences.push(`ledger entry missing: ${entry}`);
    }
  }
  for (const [entry, m] of have) {
    const n = ref.get(entry) ?? 0;
    if (m > n) {
      duplicates += m - n;
      differences.push(`ledger entry ${n === 0 ? 'not in the clean run' : 'posted twice'}: ${entry}`);
    }
  }
  for (const [key, value] of reference.records) {
    const other = got.records.get(key);
    if (other !== value) {
      lost += 1;
      differences.push(`CRM record ${key} differs: ${other === undefined ? 'missing' : diffFields(value, other)}`);
    }
  }
  for (const key of got.records.keys())
    if (!reference.records.has(key)) differences.push(`CRM record ${key} not in the clean run`);
  for (const [marker, n] of got.tasksPerMarker) {
    if (n > 1) {
      duplicates += n - 1;
      differences.push(`${n} CRM tasks for one episode (marker ${marker})`);
    }
  }
  const keys = new Set([...reference.tasksPerEpisode.keys(), ...got.tasksPerEpisode.keys()]);
  for (const key of keys) {
    const a = (reference.tasksPerEpisode.get(key) ?? []).join(',');
    const b = (got.tasksPerEpisode.get(key) ?? []).join(',');
    if (a === b) continue;
    differences.push(`tasks per episode of ${key}: clean run [${a}], this run [${b}]`);
    const sum = (s: string): number =>
      s
        .split(',')
        .filter((x) => x !== '')
        .reduce((t, x) => t + Number(x), 0);
    if (sum(b) < sum(a)) lost += sum(a) - sum(b);
  }
  if (got.pendingTasks > 0) differences.push(`${got.pendingTasks} outbox tasks not created`);
  return { identical: differences.length === 0, lost, duplicates, differences };
}

/** Which top-level (or HubSpot property) fields of two record JSONs differ. */
function diffFields(a: string, b: string): string {
  const x = JSON.parse(a) as Record<string, unknown>;
  const y = JSON.parse(b) as Record<string, unknown>;
  const flat = (r: Record<string, unknown>): Record<string, unknown> => ({
    ...r,
    ...((r['properties'] ?? {}) as Record<string, unknown>),
    properties: undefined,
  });
  const fx = flat(x);
  const fy = flat(y);
  const names = [...new Set([...Object.keys(fx), ...Object.keys(fy)])].filter(
    (k) => JSON.stringify(fx[k]) !== JSON.stringify(fy[k]),
  );
  return names
    .map((k) => `${k}: ${JSON.stringify(fx[k])} → ${JSON.stringify(fy[k])}`)
    .join('; ')
    .slice(0, 400);
}
