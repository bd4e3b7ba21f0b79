// `crm.hubspot.events: journal` end to end on the sandbox, through the registry's HubSpot provider
// and `serve` (startService): provisioning makes the journal subscriptions and shows them in its
// plan; a rep's deal changes reach the partner's fields through the journal, in order; a restart
// resumes from the offset kept in the store with nothing lost; an offset that fell out of the
// journal's retention is reported and answered with an incremental sync that refreshes links.

import { mkdtempSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { isHubspotPersonality, type HubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import type { HsRecord } from '../../src/sandbox/hubspot/records.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { openStore } from '../../src/store/open-store.ts';
import { testConfig } from '../sync/helpers.ts';

const env = readEnv({
  HUBSPOT_ACCESS_TOKEN: 'install-token',
  HUBSPOT_CLIENT_ID: 'journal-app',
  HUBSPOT_CLIENT_SECRET: 'journal-app-secret',
});
const CHECKPOINT = 'hubspot-journal:offset';
/** Deal → company link reads, on whichever API generation the config uses. */
const linkReads = (): number =>
  Object.entries(sandbox.state.stats().byRoute)
    .filter(([route]) => /^POST \/crm\/.*associations.*\/deals\/companies\/batch\/read$/.test(route))
    .reduce((n, [, s]) => n + s.count, 0);

let sandbox: SandboxHandle;
let personality: HubspotPersonality;
let dir: string;
let storeUrl: string;
let service: Service | null = null;
let account: string;
let deal: HsRecord;
let partner: HsRecord;
let amount0: number;
let pipeline0: number;
let share = 0;

function config() {
  const program = readFileSync('config/examples/program.yaml', 'utf8');
  return testConfig(
    `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: ${personality.state.portalId}, searchLagSeconds: 0, searchOverlapSeconds: 0, events: journal, journalPollSeconds: 0.1 }\n`,
    { url: storeUrl },
  );
}

async function serve(lines: string[] = []): Promise<Service> {
  const logger = createLogger({
    level: 'info',
    destination: {
      write: (line: string) => {
        lines.push(line);
      },
    } as unknown as NodeJS.WritableStream,
  });
  return startService({ config: config(), env, logger, cwd: dir, port: 0, scheduler: false, webhookDebounceMs: 50 });
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A rep's change through the API (not partnersync's token). */
async function setAmount(value: number): Promise<void> {
  const res = await fetch(`${sandbox.url}/crm/v3/objects/deals/${deal.id}`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer rep-token', 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { amount: String(value) } }),
  });
  expect(res.status).toBe(200);
}

const pipeline = (): number => Number(partner.props['partner_pipeline'] ?? '0');
const newestOffset = (): string | undefined => personality.journal.entries().at(-1)?.offset;
const expectedPipeline = (amount: number): number => pipeline0 + share * (amount - amount0);
/** Equal but for cent rounding (a wrong value would be off by a whole step of 1,000 × share). */
const near = (a: number, b: number): boolean => Math.abs(a - b) < 0.5;

beforeAll(async () => {
  sandbox = await startSandbox({ crm: 'hubspot', partners: 8, deals: 160, limits: 'off' });
  const p = sandbox.state.personality;
  if (!isHubspotPersonality(p)) throw new Error('not hubspot');
  personality = p;
  dir = mkdtempSync(path.join(tmpdir(), 'partnersync-journal-'));
  storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
});
afterAll(async () => {
  await service?.stop();
  await sandbox.stop();
});

describe('hubspot events: journal', () => {
  it('provision makes the journal subscriptions (deals, companies, their links) and shows them in its plan', async () => {
    const adapter = await createCrmAdapter(config(), { env, logger: silentLogger(), dataDir: dir });
    try {
      const dry = await adapter.provision({ dryRun: true });
      const journal = (plan: typeof dry) => plan.actions.filter((a) => a.target.startsWith('webhooks journal'));
      expect(journal(dry).map((a) => [a.target, a.action])).toEqual([
        ['webhooks journal subscription: deal changes', 'create'],
        ['webhooks journal subscription: company changes', 'create'],
        ['webhooks journal subscription: deal–company association changes', 'create'],
      ]);
      expect(personality.journal.subscriptions()).toEqual([]);
      const applied = await adapter.provision({ dryRun: false });
      expect(applied.applied).toBe(true);
      expect(
        personality.journal.subscriptions().map((s) => [s.subscriptionType, s.objectTypeId, s.actions.join(',')]),
      ).toEqual([
        ['OBJECT', '0-3', 'CREATE,UPDATE,DELETE,MERGE,RESTORE'],
        ['OBJECT', '0-2', 'CREATE,UPDATE,DELETE,MERGE,RESTORE'],
        ['ASSOCIATION', '0-3', 'ASSOCIATION_ADDED,ASSOCIATION_REMOVED'],
      ]);
      const again = await adapter.provision({ dryRun: true });
      expect(journal(again).map((a) => a.action)).toEqual(['ok', 'ok', 'ok']);
      // the journal was read with the app's client-credentials token, never the install's
      expect(Object.keys(sandbox.state.stats().byRoute)).toContain('POST /oauth/v1/token');
    } finally {
      await adapter.close();
    }
  });

  it('a full sync first (the journal carries changes from then on)', async () => {
    const store = await openStore(storeUrl);
    const crm = await createCrmAdapter(config(), { env, logger: silentLogger(), dataDir: dir });
    try {
      const run = await runSync(
        { crm, store, clock: systemClock, logger: silentLogger(), config: config() },
        { full: true },
      );
      expect(run.status).toBe('succeeded');
      account = await crm.accountKey();
    } finally {
      await crm.close();
      await store.close();
    }
    // an open deal whose source partner has a pipeline value
    const found = personality.state.tables.deals.all().find((d) => {
      const stage = personality.state.stage(d.props['dealstage'] ?? '');
      const source = personality.state.tables.companies.get(d.props['partner_source'] ?? '');
      return (
        d.archivedAt === null && stage?.isClosed === false && source !== undefined && Number(d.props['amount']) > 0
      );
    });
    if (!found) throw new Error('no open partner-sourced deal in the sandbox');
    deal = found;
    const company = personality.state.tables.companies.get(found.props['partner_source'] ?? '');
    if (!company) throw new Error('no partner');
    partner = company;
    amount0 = Number(deal.props['amount']);
    pipeline0 = pipeline();
    expect(pipeline0).toBeGreaterThan(0);
  });

  it('serve starts at the newest entry; a rep’s deal changes reach the partner’s fields, in order', async () => {
    service = await serve();
    expect(await service.store.eventCheckpoint(account, CHECKPOINT)).toBe(newestOffset() ?? 'earliest');

    await setAmount(amount0 + 10_000);
    await until('the partner pipeline moves', () => pipeline() !== pipeline0);
    share = (pipeline() - pipeline0) / 10_000;
    // the deal's share of the partner's pipeline, in the partner's currency
    expect(share).toBeGreaterThan(0);

    // three changes in a row, three journal entries: the last one is what the partner shows
    const before = personality.journal.entries().length;
    await setAmount(amount0 + 11_000);
    await setAmount(amount0 + 12_000);
    await setAmount(amount0 + 13_000);
    const amountEntries = personality.journal
      .entries()
      .slice(before)
      .filter((e) => e.events.some((v) => String(v.objectId) === deal.id && v.changedProperties?.includes('amount')));
    expect(amountEntries).toHaveLength(3);
    await until('the partner shows the last change', () => near(pipeline(), expectedPipeline(amount0 + 13_000)));
    // every entry consumed, the position stored (our own write-back's entries included)
    const svc = service;
    await until(
      'the stored offset reaches the newest entry',
      async () => (await svc.store.eventCheckpoint(account, CHECKPOINT)) === newestOffset(),
    );
    const runs = await svc.store.listRuns(account, 50);
    expect(runs.filter((r) => r.status === 'failed')).toEqual([]);
  });

  it('a restart resumes from the stored offset: changes made while it was down are not lost', async () => {
    await service?.stop();
    service = null;
    const stored = newestOffset();
    await setAmount(amount0 + 20_000);
    const store = await openStore(storeUrl);
    expect(await store.eventCheckpoint(account, CHECKPOINT)).toBe(stored);
    await store.close();

    const lines: string[] = [];
    service = await serve(lines);
    expect(lines.some((l) => l.includes('resuming from the stored offset'))).toBe(true);
    await until('the change made while down arrives', () => near(pipeline(), expectedPipeline(amount0 + 20_000)));
    const svc = service;
    await until(
      'the stored offset moves past it',
      async () => (await svc.store.eventCheckpoint(account, CHECKPOINT)) === newestOffset(),
    );
  });

  it('an offset out of the journal’s retention is reported, and an incremental sync with link refresh runs', async () => {
    await service?.stop();
    service = null;
    await setAmount(amount0 + 30_000);
    // everything the journal held is older than its retention now (HubSpot keeps about three days):
    // a short retention drops it all, then the usual one applies again to what comes next
    await new Promise((resolve) => setTimeout(resolve, 20));
    personality.journal.retentionMs = 10;
    expect(personality.journal.entries()).toEqual([]);
    personality.journal.retentionMs = 3 * 86_400_000;
    const linksBefore = linkReads();

    const lines: string[] = [];
    service = await serve(lines);
    await until('the lost change arrives by the incremental sync', () =>
      near(pipeline(), expectedPipeline(amount0 + 30_000)),
    );
    expect(lines.some((l) => l.includes('older than HubSpot') && l.includes('"level":40'))).toBe(true);
    expect(linkReads()).toBeGreaterThan(linksBefore);
    // the run record is finished after its write-back: wait for it
    const svc = service;
    await until('the incremental run is recorded as succeeded', async () =>
      (await svc.store.listRuns(account, 10)).some((r) => r.mode === 'incremental' && r.status === 'succeeded'),
    );

    // and the journal goes on from there
    await setAmount(amount0 + 31_000);
    await until('the next change arrives through the journal', () =>
      near(pipeline(), expectedPipeline(amount0 + 31_000)),
    );
  });
});
