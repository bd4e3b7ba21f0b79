// Change Data Capture end to end: `serve` with `crm.salesforce.events: cdc` against the sandbox's
// Pub/Sub server (TLS with a certificate made for the run). An Opportunity a rep changes through
// the REST API gets its partner fields rewritten by a targeted sync (no scheduled sync runs),
// changes arrive in order, the replay id is committed after the sync, our own write-backs start
// no further sync, gap events re-read the records, an overflow runs an incremental sync, a
// replay id past the retention window is reported and followed by an incremental sync, and
// OpportunityPartner changes are picked up by the poller. SQLite and PostgreSQL stores.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../../src/config/env.ts';
import type { LoadedConfig } from '../../../src/config/load.ts';
import type { SalesforceAdapter } from '../../../src/crm/salesforce/adapter.ts';
import { createLogger, type Logger } from '../../../src/log.ts';
import { startService, type Service } from '../../../src/main.ts';
import { INTEGRATION_USERNAME } from '../../../src/sandbox/salesforce/seed/seed-org.ts';
import { isSalesforcePersonality } from '../../../src/sandbox/salesforce/personality.ts';
import type { SandboxHandle } from '../../../src/sandbox/server.ts';
import { TOKENS } from '../../http/service-helpers.ts';
import { storeTargets, type StoreTarget } from '../../sync/helpers.ts';
import { adapterFor, salesforceConfig } from './helpers.ts';
import { atOrAfter, pubsubSandbox, repUsername, sfRest, tokenFor, until } from './pubsub-helpers.ts';
import { Writable } from 'node:stream';

const OPP_TOPIC = '/data/OpportunityChangeEvent';
const CHECKPOINT = `salesforce-cdc:${OPP_TOPIC}`;

interface Run {
  id: string;
  mode: string;
  status: string;
  report: { pull: { deals: number; partners: number }; writeBack: { deals: number; partners: number } };
}

type Sandbox = SandboxHandle & { pubsubEndpoint: string; ca: Buffer };

function dump(sandbox: Sandbox, object: string): Record<string, unknown>[] {
  return ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)[object] ?? []) as Record<string, unknown>[];
}

function opportunity(sandbox: Sandbox, id: string): Record<string, unknown> {
  const row = dump(sandbox, 'Opportunity').find((o) => o['Id'] === id);
  if (row === undefined) throw new Error(`no Opportunity ${id}`);
  return row;
}

/** The newest replay id the sandbox gave an Opportunity change event, base64 as the source stores it. */
function newestOpportunityReplayId(sandbox: Sandbox): string | null {
  const p = sandbox.state.personality;
  if (!isSalesforcePersonality(p)) throw new Error('not a Salesforce sandbox');
  const events = p.changeLog.list().filter((e) => e.topic === OPP_TOPIC);
  const last = events[events.length - 1];
  if (last === undefined) return null;
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(last.replayId);
  return buf.toString('base64');
}

/** Log lines as objects, to find what the service reported. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination: sink }), lines };
}

describe.each(storeTargets())('Change Data Capture through the Pub/Sub API ($name store)', (target: StoreTarget) => {
  let sandbox: Sandbox;
  let storeUrl: string;
  let config: LoadedConfig;
  let svc: Service;
  let repToken: string;
  let account: string;
  let dir: string;
  const log = capture();

  async function start(): Promise<Service> {
    const adapter: SalesforceAdapter = adapterFor(sandbox.url, config);
    // the test's CA, passed explicitly (production trusts the system's roots only)
    const open = adapter.changeEventSources.bind(adapter);
    adapter.changeEventSources = (options) => open({ ...options, ca: sandbox.ca });
    return startService({
      config,
      env: readEnv({ PARTNERSYNC_TOKENS: `viewer:${TOKENS.viewer},admin:${TOKENS.admin}`, DATABASE_URL: storeUrl }),
      logger: log.logger,
      cwd: dir,
      port: 0,
      scheduler: false,
      webhookDebounceMs: 50,
      crm: adapter,
    });
  }

  async function runs(): Promise<Run[]> {
    const res = await fetch(`${svc.url}/v1/runs?limit=200`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    return ((await res.json()) as { runs: Run[] }).runs;
  }

  async function settled(): Promise<void> {
    // every Opportunity event so far consumed and committed, and no sync running
    await until('the stream to catch up', async () => {
      const newest = newestOpportunityReplayId(sandbox);
      const stored = await svc.store.eventCheckpoint(account, CHECKPOINT);
      return newest !== null && atOrAfter(stored, newest) && svc.syncs.runningId === null ? true : null;
    });
    await svc.syncs.idle();
  }

  const control = (p: string, body: unknown): Promise<Response> =>
    fetch(`${sandbox.url}/__sandbox/salesforce/change-events/${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sandbox = await pubsubSandbox();
    dir = mkdtempSync(path.join(tmpdir(), 'partnersync-cdc-'));
    storeUrl = target.name === 'sqlite' ? `sqlite:${path.join(dir, 'store.db')}` : target.url();
    config = salesforceConfig({
      salesforce: { events: 'cdc', pubsubEndpoint: sandbox.pubsubEndpoint, influencerPollSeconds: 5 },
    });
    repToken = await tokenFor(sandbox, repUsername(sandbox, INTEGRATION_USERNAME));
    svc = await start();
    account = await svc.crm.accountKey();
    const first = await fetch(`${svc.url}/v1/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: true }),
    });
    expect(first.status).toBe(202);
    await svc.syncs.idle();
    // the first sync's own write-backs are change events too: wait until they were consumed
    await settled();
  });

  afterAll(async () => {
    await svc.stop();
    await sandbox.stop();
  });

  /** A won deal with a partner and a commission. */
  function commissionedDeal(): { id: string; amount: number; commission: number } {
    const row = dump(sandbox, 'Opportunity').find(
      (o) =>
        o['IsWon'] === true &&
        o['Partner_Source__c'] !== null &&
        typeof o['Partner_Commission__c'] === 'number' &&
        o['Partner_Commission__c'] > 0,
    );
    if (row === undefined) throw new Error('no commissioned deal in the seed');
    return { id: String(row['Id']), amount: Number(row['Amount']), commission: Number(row['Partner_Commission__c']) };
  }

  it('rewrites the partner fields of an Opportunity a rep changed, through targeted syncs, in order', async () => {
    const before = await runs();
    const deal = commissionedDeal();
    const patch = (amount: number) =>
      sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${deal.id}`, repToken, { Amount: amount });
    expect((await patch(deal.amount * 2)).status).toBe(204);
    const doubled = await until('the first change to be written back', () => {
      const c = opportunity(sandbox, deal.id)['Partner_Commission__c'];
      return typeof c === 'number' && c !== deal.commission ? c : null;
    });
    expect(doubled).toBeGreaterThan(deal.commission);
    expect((await patch(deal.amount * 3)).status).toBe(204);
    const tripled = await until('the second change to be written back', () => {
      const c = opportunity(sandbox, deal.id)['Partner_Commission__c'];
      return typeof c === 'number' && c !== doubled ? c : null;
    });
    expect(tripled).toBeGreaterThan(doubled);
    await settled();
    const added = (await runs()).filter((r) => !before.some((b) => b.id === r.id));
    // only targeted syncs ran, each reading just that deal, and all succeeded
    expect(added.length).toBeGreaterThanOrEqual(2);
    expect(added.every((r) => r.mode === 'targeted' && r.status === 'succeeded')).toBe(true);
    expect(added.every((r) => r.report.pull.deals === 1)).toBe(true);
    // the last change won: a full sync now finds nothing to write
    const full = await fetch(`${svc.url}/v1/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: true }),
    });
    expect(full.status).toBe(202);
    await svc.syncs.idle();
    const [latest] = await runs();
    expect(latest?.mode).toBe('full');
    expect(latest?.report.writeBack.deals).toBe(0);
    await settled();
  });

  it('starts no further sync for the events its own write-back caused', async () => {
    const before = (await runs()).length;
    const deal = commissionedDeal();
    expect(
      (await sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${deal.id}`, repToken, { Amount: deal.amount + 1000 }))
        .status,
    ).toBe(204);
    await until('the write-back', () =>
      opportunity(sandbox, deal.id)['Partner_Commission__c'] !== deal.commission ? true : null,
    );
    // the write-back's event (committed by the integration user) is consumed, and dropped
    await settled();
    await new Promise((r) => setTimeout(r, 500));
    expect((await runs()).length).toBe(before + 1);
    expect(log.lines.some((l) => l['msg'] === 'salesforce change events: own write-backs dropped')).toBe(true);
  });

  it('re-reads the records a gap event names, and runs an incremental sync for an overflow', async () => {
    const before = await runs();
    const deal = commissionedDeal();
    expect((await control('gap', { entity: 'Opportunity', ids: [deal.id] })).status).toBe(200);
    await until('the targeted re-read', async () => ((await runs()).length > before.length ? true : null));
    await settled();
    const [gapRun] = await runs();
    expect(gapRun).toMatchObject({ mode: 'targeted', status: 'succeeded' });
    expect(gapRun?.report.pull.deals).toBe(1);
    expect((await control('overflow', { entity: 'Opportunity' })).status).toBe(200);
    await until('the incremental sync', async () => ((await runs())[0]?.mode === 'incremental' ? true : null));
    await settled();
    expect((await runs())[0]?.status).toBe('succeeded');
  });

  it('polls OpportunityPartner on its own cursor: a new influencer link syncs its deal', async () => {
    const key = 'salesforce-influencers:OpportunityPartner';
    const cursor = await until('the first poll', () => svc.store.eventCheckpoint(account, key));
    const before = await runs();
    const deal = commissionedDeal();
    const other = dump(sandbox, 'Opportunity')
      .map((o) => o['Partner_Source__c'])
      .find((p): p is string => typeof p === 'string' && p !== opportunity(sandbox, deal.id)['Partner_Source__c']);
    if (other === undefined) throw new Error('no second partner');
    const added = await fetch(`${sandbox.url}/__sandbox/salesforce/opportunity-partners`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ opportunityId: deal.id, accountToId: other }),
    });
    expect(added.status).toBe(201);
    const moved = await until('the cursor to move past the new link', async () => {
      const now = await svc.store.eventCheckpoint(account, key);
      return now !== cursor ? now : null;
    });
    expect(JSON.parse(moved)).toMatchObject({ id: ((await added.json()) as { id: string }).id });
    const added2 = (await runs()).filter((r) => !before.some((b) => b.id === r.id));
    expect(added2.some((r) => r.mode === 'targeted' && r.status === 'succeeded' && r.report.pull.deals === 1)).toBe(
      true,
    );
    await settled();
  });

  it('picks up what changed while it was stopped (replay), and falls back to an incremental sync past the retention window', async () => {
    const deal = commissionedDeal();
    await svc.stop();
    // changed while stopped: replayed from the stored id on restart
    await sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${deal.id}`, repToken, { Amount: deal.amount + 2000 });
    svc = await start();
    await until('the replayed change', () =>
      opportunity(sandbox, deal.id)['Partner_Commission__c'] !== deal.commission ? true : null,
    );
    await settled();
    expect((await runs())[0]?.mode).toBe('targeted');

    const again = commissionedDeal();
    const before = await runs();
    await svc.stop();
    await sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${again.id}`, repToken, { Amount: again.amount + 3000 });
    // the bus forgets everything: the stored replay id is now past retention
    expect((await control('retention', { seconds: 0 })).status).toBe(200);
    expect((await control('retention', { seconds: 72 * 3600 })).status).toBe(200);
    svc = await start();
    await until('the incremental sync', async () => ((await runs())[0]?.mode === 'incremental' ? true : null));
    await settled();
    // one incremental sync per channel whose position was lost, and no targeted read of the change
    const added = (await runs()).filter((r) => !before.some((b) => b.id === r.id));
    expect(added.map((r) => [r.mode, r.status])).toEqual([
      ['incremental', 'succeeded'],
      ['incremental', 'succeeded'],
    ]);
    expect(opportunity(sandbox, again.id)['Partner_Commission__c']).not.toBe(again.commission);
    expect(log.lines.some((l) => String(l['msg']).includes('past the retention window'))).toBe(true);
  });
});
