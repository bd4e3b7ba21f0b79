// One money on both CRMs: the demo program (config/examples/demo.yaml) run by `partnersync demo`'s
// code on the HubSpot sandbox and on the Salesforce sandbox, seeded alike, must post the same
// ledger. Record ids differ between the CRMs, so partners and deals are joined by their index in
// the seed (both sandboxes create them in seed order) and every entry is compared, amount,
// period, payability and inputs included. The seeds express a close as a day: Salesforce's
// CloseDate, HubSpot's closedate at local midnight of that day in the program's zone (the
// sandboxes are started with that zone, as the in-process sandbox providers do).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeCrm, parseConfigText, type LoadedConfig } from '../../src/config/load.ts';
import { HubspotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { staticToken } from '../../src/crm/hubspot/token-source.ts';
import type { CrmAdapter } from '../../src/crm/port.ts';
import { SalesforceAdapter } from '../../src/crm/salesforce/adapter.ts';
import type { LedgerEntry } from '../../src/ledger/types.ts';
import { silentLogger } from '../../src/log.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { runDemo } from '../../src/sync/demo.ts';

const ANCHOR = '2026-06-01T00:00:00.000Z';
const AS_OF = Date.parse('2026-06-01T15:00:00Z');
const SEED = { seed: 1, partners: 50, deals: 2000, anchor: ANCHOR };
const DEMO = readFileSync(new URL('../../config/examples/demo.yaml', import.meta.url), 'utf8');
// The demo file's program, with this test's crm section instead of the file's.
const PROGRAM = DEMO.slice(DEMO.indexOf('program:'), DEMO.search(/^crm:/m));

function config(crm: string): LoadedConfig {
  const text = `${PROGRAM}\ncrm:\n${crm}`;
  return { file: 'demo-program.yaml', ...parseConfigText(text, 'demo-program.yaml') };
}

interface Run {
  entries: LedgerEntry[];
  rejected: { dealId: string; reason: string }[];
  /** CRM id → seed index ("p3", "d17"). */
  index: Map<string, string>;
  /** Seed index → record name, to check the join. */
  names: Map<string, string>;
}

type Row = Record<string, unknown>;

/** Partners and deals in creation order, as the sandbox's state dump lists them. */
function hubspotRecords(sandbox: SandboxHandle): { partners: Row[]; deals: Row[] } {
  const dump = sandbox.state.dump() as { hubspot: { companies: Row[]; deals: Row[] } };
  const props = (r: Row): Row => r['properties'] as Row;
  return {
    partners: dump.hubspot.companies
      .filter((c) => props(c)['type'] === 'PARTNER')
      .map((c) => ({ ...props(c), id: c['id'] })),
    deals: dump.hubspot.deals.map((d) => ({ ...props(d), id: d['id'] })),
  };
}

function salesforceRecords(sandbox: SandboxHandle): { partners: Row[]; deals: Row[] } {
  const dump = sandbox.state.dump() as { salesforce: { Account: Row[]; Opportunity: Row[] } };
  return {
    partners: dump.salesforce.Account.filter((a) => a['Type'] === 'Partner').map((a) => ({ ...a, id: a['Id'] })),
    deals: dump.salesforce.Opportunity.map((o) => ({ ...o, id: o['Id'] })),
  };
}

async function demoOn(
  adapter: CrmAdapter,
  loaded: LoadedConfig,
  records: { partners: Row[]; deals: Row[] },
  nameOf: (r: Row) => string,
  stores: KyselyStore[],
): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ps-cross-crm-'));
  const store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
  stores.push(store);
  const deps = { crm: adapter, store, clock: { now: () => AS_OF }, logger: silentLogger(), config: loaded };
  const report = await runDemo(deps, { dataDir: dir, configFile: loaded.file });
  expect(report.sync.status).toBe('succeeded');
  const index = new Map<string, string>();
  const names = new Map<string, string>();
  records.partners.forEach((r, i) => {
    index.set(String(r['id']), `p${i}`);
    names.set(`p${i}`, nameOf(r));
  });
  records.deals.forEach((r, i) => {
    index.set(String(r['id']), `d${i}`);
    names.set(`d${i}`, nameOf(r));
  });
  await adapter.close();
  return {
    entries: await store.ledgerEntries(report.sync.account, {}),
    rejected: report.sync.report.snapshot.rejected.map((r) => ({ dealId: r.dealId, reason: r.reason })),
    index,
    names,
  };
}

/** An entry with its ids replaced by seed indices, without what only one store knows (id, seq, run, time). */
function canonical(run: Run, e: LedgerEntry): Record<string, unknown> {
  const at = (id: string | null): string | null => (id === null ? null : (run.index.get(id) ?? `unknown:${id}`));
  const { id: _id, seq: _seq, runId: _run, postedAt: _posted, ...rest } = e;
  return {
    ...rest,
    key: e.key
      .split(':')
      .map((part) => run.index.get(part) ?? part)
      .join(':'),
    // Explanations name the deal by its CRM id.
    reason: e.reason.replace(/\b[0-9A-Za-z]{11,18}\b/g, (word) => run.index.get(word) ?? word),
    partnerId: at(e.partnerId),
    dealId: at(e.dealId),
    amount: e.amount.toString(),
  };
}

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
  `${String(a['key'])}|${String(a['period'])}|${String(a['kind'])}` <
  `${String(b['key'])}|${String(b['period'])}|${String(b['kind'])}`
    ? -1
    : 1;

describe('the demo program on both CRMs', () => {
  let hubspot: Run;
  let salesforce: Run;
  const sandboxes: SandboxHandle[] = [];
  const stores: KyselyStore[] = [];

  beforeAll(async () => {
    const hsLoaded = config('  provider: hubspot\n  hubspot: { searchLagSeconds: 0 }\n');
    const sfLoaded = config('  provider: salesforce\n');
    const timezone = hsLoaded.program.timezone;
    const hs = await startSandbox({ crm: 'hubspot', ...SEED, timezone, limits: 'off' });
    sandboxes.push(hs);
    const sf = await startSandbox({ crm: 'salesforce', ...SEED, timezone, limits: 'off' });
    sandboxes.push(sf);
    const personality = hs.state.personality;
    if (!isHubspotPersonality(personality)) throw new Error('not a HubSpot sandbox');
    // The adapters as the in-process sandbox providers (src/sandbox/providers.ts) build them.
    const hsAdapter = new HubspotAdapter({
      settings: activeCrm(hsLoaded).settings,
      env: {},
      logger: silentLogger(),
      basePath: hs.url,
      tokens: staticToken('partnersync-sandbox'),
      portalId: String(personality.state.portalId),
    });
    const sfCrm = sfLoaded.config.crm;
    if (sfCrm === undefined) throw new Error('no crm section');
    const sfAdapter = new SalesforceAdapter({
      crm: sfCrm,
      program: sfLoaded.program,
      configFile: sfLoaded.file,
      credentials: { flow: 'client_credentials', clientId: 'partnersync-sandbox', clientSecret: 'sandbox-secret' },
      logger: silentLogger(),
      loginUrl: sf.url,
      instanceUrl: sf.url,
    });
    hubspot = await demoOn(hsAdapter, hsLoaded, hubspotRecords(hs), (r) => String(r['name'] ?? r['dealname']), stores);
    salesforce = await demoOn(sfAdapter, sfLoaded, salesforceRecords(sf), (r) => String(r['Name']), stores);
  }, 300_000);

  afterAll(async () => {
    for (const s of stores) await s.close();
    for (const s of sandboxes) await s.stop();
  });

  it('joins partners and deals by seed index: the same records, in the same order', () => {
    expect(hubspot.names.size).toBe(SEED.partners + SEED.deals);
    expect(salesforce.names).toEqual(hubspot.names);
  });

  it('rejects the same deals for the same reasons', () => {
    const canon = (run: Run): string[] =>
      run.rejected.map((r) => `${run.index.get(r.dealId) ?? r.dealId} ${r.reason}`).sort();
    expect(canon(salesforce)).toEqual(canon(hubspot));
  });

  it('posts the same ledger, entry by entry', () => {
    const hs = hubspot.entries.map((e) => canonical(hubspot, e)).sort(byKey);
    const sf = salesforce.entries.map((e) => canonical(salesforce, e)).sort(byKey);
    expect(hs.length).toBeGreaterThan(100);
    expect(hs.some((e) => String(e['key']).includes('unknown:'))).toBe(false);
    expect(sf.length).toBe(hs.length);
    for (let i = 0; i < hs.length; i++) expect(sf[i], `entry ${i} (${String(hs[i]?.['key'])})`).toEqual(hs[i]);
  });
});
