// The sandbox CRM in a process of its own (forked with an IPC channel), so what the benchmark
// measures of a sync process — time, peak RSS — is the sync's alone. Besides the HTTP API it
// answers a few commands over IPC (sandbox-client.ts sends them):
//   info                    { portalId } (HubSpot: the sandbox serves no account-info API, so the
//                           config names the portal)
//   stats / resetStats      the sandbox's request counters (GET /__sandbox/stats)
//   mutate {count}          change N random deals as a rep would (POST /__sandbox/mutate)
//   mark {name}             remember a fingerprint of every record under a name
//   diff {from, to}         records added, removed or changed between two marks, by object type:
//                           `touched` counts any change (modified dates included: what an
//                           incremental read must see again), `changed` ignores the CRM's own
//                           bookkeeping fields (what a write really changed), `links` counts
//                           HubSpot deals whose influencers changed to a non-empty value
//   census                  how many records of each kind the CRM holds (partners, deals, links…)
//   stop
// Usage (from sandbox-client.ts): fork('bench/sandbox-process.ts', [JSON SandboxOptions])

import { createHash } from 'node:crypto';
import { isHubspotPersonality } from '../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxOptions } from '../src/sandbox/server.ts';

interface Command {
  id: number;
  cmd: 'info' | 'stats' | 'resetStats' | 'mutate' | 'mark' | 'diff' | 'census' | 'stop';
  count?: number;
  name?: string;
  from?: string;
  to?: string;
}

/** Object types whose records the benchmark follows, per personality (dump keys). */
const FOLLOWED: Record<string, readonly string[]> = {
  hubspot: ['companies', 'deals', 'tasks'],
  salesforce: ['Account', 'Opportunity', 'OpportunityPartner', 'Task'],
};

/** Fields the CRM maintains itself on every write: a change there is not a change of value. */
const BOOKKEEPING = new Set([
  'updatedAt',
  'hs_lastmodifieddate',
  'LastModifiedDate',
  'SystemModstamp',
  'LastModifiedById',
]);

interface Print {
  touched: string;
  changed: string;
  /** HubSpot deals: the influencers value (a change means its property history must be read). */
  links: string;
}

type Marks = Map<string, Map<string, Print>>;

const hash = (value: unknown): string => createHash('sha1').update(JSON.stringify(value)).digest('base64');

function withoutBookkeeping(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (BOOKKEEPING.has(key)) continue;
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null
        ? withoutBookkeeping(value as Record<string, unknown>)
        : value;
  }
  return out;
}

function recordsOf(dump: Readonly<Record<string, unknown>>, crm: string): Map<string, Record<string, unknown>[]> {
  const root = dump[crm] as Record<string, unknown>;
  const out = new Map<string, Record<string, unknown>[]>();
  for (const type of FOLLOWED[crm] ?? []) out.set(type, (root[type] ?? []) as Record<string, unknown>[]);
  return out;
}

const idOf = (r: Record<string, unknown>): string => String(r['id'] ?? r['Id']);
/** A HubSpot property value as text ('' when absent or not text). */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function fingerprint(dump: Readonly<Record<string, unknown>>, crm: string): Map<string, Print> {
  const prints = new Map<string, Print>();
  for (const [type, records] of recordsOf(dump, crm)) {
    for (const r of records) {
      const influencers =
        type === 'deals' ? text((r['properties'] as Record<string, unknown> | undefined)?.['partner_influencers']) : '';
      prints.set(`${type}:${idOf(r)}`, { touched: hash(r), changed: hash(withoutBookkeeping(r)), links: influencers });
    }
  }
  return prints;
}

type Counts = Record<string, { added: number; removed: number; touched: number; changed: number; links: number }>;

function diff(a: Map<string, Print>, b: Map<string, Print>): Counts {
  const out: Counts = {};
  const bump = (key: string, what: 'added' | 'removed' | 'touched' | 'changed' | 'links'): void => {
    const type = key.slice(0, key.indexOf(':'));
    const entry = (out[type] ??= { added: 0, removed: 0, touched: 0, changed: 0, links: 0 });
    entry[what] += 1;
  };
  for (const [key, print] of b) {
    const before = a.get(key);
    if (before === undefined) bump(key, 'added');
    else {
      if (before.touched !== print.touched) bump(key, 'touched');
      if (before.changed !== print.changed) bump(key, 'changed');
      if (before.links !== print.links && print.links !== '') bump(key, 'links');
    }
  }
  for (const key of a.keys()) if (!b.has(key)) bump(key, 'removed');
  return out;
}

/** Partners, deals and the links the pull must read in a full run. */
function census(dump: Readonly<Record<string, unknown>>, crm: string): Record<string, number> {
  const records = recordsOf(dump, crm);
  if (crm === 'hubspot') {
    const companies = records.get('companies') ?? [];
    const deals = records.get('deals') ?? [];
    const props = (r: Record<string, unknown>): Record<string, unknown> =>
      (r['properties'] ?? {}) as Record<string, unknown>;
    return {
      partners: companies.filter((c) => text(props(c)['type']).toUpperCase() === 'PARTNER').length,
      deals: deals.length,
      dealsWithInfluencers: deals.filter((d) => text(props(d)['partner_influencers']) !== '').length,
      tasks: (records.get('tasks') ?? []).length,
    };
  }
  const accounts = records.get('Account') ?? [];
  return {
    partners: accounts.filter((a) => a['Type'] === 'Partner' && a['IsDeleted'] !== true).length,
    deals: (records.get('Opportunity') ?? []).filter((o) => o['IsDeleted'] !== true).length,
    opportunityPartners: (records.get('OpportunityPartner') ?? []).filter((o) => o['IsDeleted'] !== true).length,
    tasks: (records.get('Task') ?? []).length,
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox({
  ...options,
  onError: (err) => {
    process.stderr.write(`sandbox: ${String(err)}\n`);
  },
});
const marks: Marks = new Map();
const send = (message: unknown): void => {
  process.send?.(message);
};

function answer(command: Command): unknown {
  const { state } = sandbox;
  switch (command.cmd) {
    case 'info':
      return { portalId: isHubspotPersonality(state.personality) ? String(state.personality.state.portalId) : null };
    case 'stats':
      return state.stats();
    case 'resetStats':
      state.resetStats();
      return null;
    case 'mutate':
      return state.mutate(command.count ?? 0);
    case 'mark':
      marks.set(command.name ?? '', fingerprint(state.dump(), options.crm));
      return null;
    case 'diff':
      return diff(
        marks.get(command.from ?? '') ?? new Map<string, Print>(),
        marks.get(command.to ?? '') ?? new Map<string, Print>(),
      );
    case 'census':
      return census(state.dump(), options.crm);
    case 'stop':
      return null;
  }
}

process.on('message', (raw) => {
  const command = raw as Command;
  try {
    send({ id: command.id, ok: true, value: answer(command) });
  } catch (err) {
    send({ id: command.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
  if (command.cmd === 'stop') {
    void sandbox.stop().then(() => {
      process.disconnect();
    });
  }
});
send({ ready: true, url: sandbox.url });
