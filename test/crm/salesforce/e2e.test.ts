// End to end on the sandbox (Salesforce personality): provisioning a bare org (fields hidden
// until the permission sets are assigned), the sync loop (pull → computeDetailed → outcomes
// diffed with sameValue → write-back; an idle re-run writes nothing), deletes leaving the
// computation, a rejected Account update reported while the rest is written, the daily reserve,
// Bulk API 2.0, expired sessions, network failures, task owners and the sandbox-salesforce provider.

import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../../src/config/env.ts';
import { CrmError, type PullPage, type PullCursor } from '../../../src/crm/port.ts';
import { createCrmAdapter } from '../../../src/sync/crm-adapter.ts';
import { silentLogger } from '../../../src/log.ts';
import { manualClock } from '../../../src/sandbox/clock.ts';
import { INTEGRATION_USERNAME } from '../../../src/sandbox/salesforce/seed/seed-org.ts';
import { startSandbox, type SandboxHandle } from '../../../src/sandbox/server.ts';
import type { SandboxStats } from '../../../src/sandbox/stats.ts';
import { adapterFor, ANCHOR, salesforceConfig, VERSION } from './helpers.ts';
import { MiniSync } from './mini-sync.ts';

const AS_OF = Date.parse('2026-06-01T12:00:00Z');

async function rest(
  sandbox: SandboxHandle,
  method: string,
  p: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  // The sandbox, like Salesforce, takes only tokens it issued: by default the integration user's.
  const bearer = token ?? (await tokenFor(sandbox, INTEGRATION_USERNAME));
  const res = await fetch(`${sandbox.url}/services/data/v${VERSION}${p}`, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

async function describedFields(
  sandbox: SandboxHandle,
  object: string,
  token?: string,
): Promise<Map<string, { relationshipName: string | null }>> {
  const { json } = await rest(sandbox, 'GET', `/sobjects/${object}/describe`, undefined, token);
  return new Map(
    (json as { fields: { name: string; relationshipName: string | null }[] }).fields.map((f) => [f.name, f]),
  );
}

async function drain(pages: AsyncIterable<PullPage>): Promise<PullPage[]> {
  const out: PullPage[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

/** GET and non-GET requests between two stats snapshots. */
function requests(a: SandboxStats, b: SandboxStats): { reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const [route, s] of Object.entries(b.byRoute)) {
    const n = s.count - (a.byRoute[route]?.count ?? 0);
    if (route.startsWith('GET ')) reads += n;
    else writes += n;
  }
  return { reads, writes };
}

function users(sandbox: SandboxHandle): { Id: string; Username: string }[] {
  return ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)['User'] ?? []) as {
    Id: string;
    Username: string;
  }[];
}

/** A session bound to a user, as the sandbox's JWT grant gives it (the signature is not checked there). */
async function tokenFor(sandbox: SandboxHandle, username: string): Promise<string> {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const res = await fetch(`${sandbox.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${part({ alg: 'RS256' })}.${part({ sub: username })}.sig`,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('provisioning a bare org', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({
      crm: 'salesforce',
      seed: 9,
      partners: 12,
      deals: 200,
      anchor: ANCHOR,
      fields: 'bare',
    });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('fields are invisible before, created and visible after with the permission sets assigned; a second run changes nothing', async () => {
    const rep = users(sandbox).find((u) => u.Username !== INTEGRATION_USERNAME)?.Username ?? '';
    const adapter = adapterFor(sandbox.url, salesforceConfig({ salesforce: { permissionSetAssignees: [rep] } }));
    expect((await describedFields(sandbox, 'Account')).has('Partner_Health_Score__c')).toBe(false);
    const before = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false })).catch(
      (e: unknown) => e,
    );
    expect(before).toMatchObject({
      kind: 'invalid_request',
      message: expect.stringContaining('run `partnersync provision`') as unknown,
    });

    const dry = await adapter.provision({ dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.actions.filter((a) => a.action === 'create').length).toBeGreaterThan(35);
    expect((await describedFields(sandbox, 'Account')).has('Partner_Health_Score__c')).toBe(false);

    const applied = await adapter.provision({ dryRun: false });
    expect(applied.applied).toBe(true);
    const account = await describedFields(sandbox, 'Account');
    const opportunity = await describedFields(sandbox, 'Opportunity');
    expect(account.has('Partner_Health_Score__c')).toBe(true);
    expect(account.has('Partner_Rating_Trust__c')).toBe(true);
    expect(opportunity.get('Partner_Source__c')?.relationshipName).toBe('Partner_Source__r');

    // The rep sees the fields and may edit what reps fill in, not what partnersync writes.
    const repToken = await tokenFor(sandbox, rep);
    expect((await describedFields(sandbox, 'Account', repToken)).has('Partner_Health_Score__c')).toBe(true);
    const partnerId =
      (
        (
          await rest(
            sandbox,
            'GET',
            `/query?q=${encodeURIComponent("SELECT Id FROM Account WHERE Type = 'Partner' LIMIT 1")}`,
          )
        ).json as { records: { Id: string }[] }
      ).records[0]?.Id ?? '';
    expect(
      (await rest(sandbox, 'PATCH', `/sobjects/Account/${partnerId}`, { Partner_Rating_Trust__c: 4 }, repToken)).status,
    ).toBe(204);
    const refused = await rest(
      sandbox,
      'PATCH',
      `/sobjects/Account/${partnerId}`,
      { Partner_Health_Score__c: 99 },
      repToken,
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('INVALID_FIELD_FOR_INSERT_UPDATE');

    const again = await adapter.provision({ dryRun: false });
    expect(again.actions.filter((a) => a.action !== 'ok')).toEqual([]);
    const pulled = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }));
    expect(pulled.flatMap((p) => p.deals)).toHaveLength(200);
    expect(pulled.flatMap((p) => p.partners).find((p) => p.id === partnerId)?.ratings).toMatchObject({ trust: 4 });
  });
});

describe('the sync loop', () => {
  let sandbox: SandboxHandle;
  let sync: MiniSync;
  // The org's clock moves two seconds before every step, as runs and edits are apart in an org:
  // SystemModstamp has whole seconds, and a run that reads within the second of the last change
  // it saw must read that second again (a fast test would otherwise do everything in one second).
  const clock = manualClock(AS_OF);
  const step = <T>(run: () => T): T => {
    clock.advance(2000);
    return run();
  };
  beforeAll(async () => {
    sandbox = await startSandbox({ crm: 'salesforce', seed: 21, partners: 25, deals: 1500, anchor: ANCHOR, clock });
    const config = salesforceConfig();
    sync = new MiniSync(adapterFor(sandbox.url, config), config.program);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('writes the computed values, then an idle re-run writes nothing', async () => {
    const first = await step(() => sync.run('full', AS_OF));
    expect(first.report.failed).toEqual([]);
    expect(first.report.partnersWritten).toBe(25);
    expect(first.report.dealsWritten).toBeGreaterThan(100);
    // Our writes moved SystemModstamp: the next run reads them back and finds nothing to change,
    // taking their unchanged influencers from the cache (no OpportunityPartner lookup by deal).
    const settleStart = sandbox.state.stats();
    const second = await step(() => sync.run('incremental', AS_OF));
    expect(second.pull.deals).toBe(first.report.dealsWritten);
    expect(requests(settleStart, sandbox.state.stats())).toEqual({ reads: 3, writes: 0 });
    expect(second.changes).toEqual({ partners: [], deals: [] });
    const before = sandbox.state.stats();
    const third = await step(() => sync.run('incremental', AS_OF));
    expect(third.changes).toEqual({ partners: [], deals: [] });
    expect(requests(before, sandbox.state.stats())).toEqual({ reads: 3, writes: 0 });
  });

  it('after 100 opportunities change, reads within the bound and writes only what changed', async () => {
    const mutated = new Set(step(() => sandbox.state.mutate(100)));
    const before = sandbox.state.stats();
    const run = await step(() => sync.run('incremental', AS_OF));
    const { reads } = requests(before, sandbox.state.stats());
    expect(reads).toBeLessThanOrEqual(1.2 * (Math.ceil(100 / 2000) + Math.ceil(100 / 1000)) + 5);
    expect(run.pull.deals).toBe(100);
    expect([...mutated].every((id) => sync.deals.has(id))).toBe(true);
    expect(run.report.failed).toEqual([]);
    const again = await step(() => sync.run('incremental', AS_OF));
    expect(again.changes).toEqual({ partners: [], deals: [] });
  });

  it('a deleted opportunity leaves the computation', async () => {
    const out = sync.compute(AS_OF);
    const paid = out.result.commissions.find((c) => c.dealId !== null)?.dealId ?? '';
    expect(paid).not.toBe('');
    expect((await step(() => rest(sandbox, 'DELETE', `/sobjects/Opportunity/${paid}`))).status).toBe(204);
    const run = await step(() => sync.run('incremental', AS_OF));
    expect(run.pull.removedDeals).toBeGreaterThanOrEqual(1);
    expect(sync.deals.has(paid)).toBe(false);
    expect(run.out.result.commissions.some((c) => c.dealId === paid)).toBe(false);
    expect(run.out.result.attribution.some((a) => a.dealId === paid)).toBe(false);
  });

  it('a rejected Account update is reported with its id and reason while the rest is written', async () => {
    const [a, b, c] = [...sync.partners.keys()];
    if (a === undefined || b === undefined || c === undefined) throw new Error('need partners');
    // A rep deletes one partner between our read and our write.
    expect((await rest(sandbox, 'DELETE', `/sobjects/Account/${b}`)).status).toBe(204);
    const report = await sync.adapter.writeBack({
      partners: [a, b, c].map((id) => ({ id, fields: { alertCount: '9' } })),
      deals: [],
    });
    expect(report.partnersWritten).toBe(2);
    expect(report.failed).toEqual([
      { object: 'partner', id: b, reason: expect.stringContaining('ENTITY_IS_DELETED') as unknown },
    ]);
    const read = await sync.adapter.pullRecords({ deals: [], partners: [a, c] });
    expect(read.partners.map((p) => p.written.alertCount)).toEqual(['9', '9']);
  });
});

describe('the daily allocation', () => {
  it('stops cleanly at the reserve (no call refused by Salesforce) and resumes from the checkpoint the next day', async () => {
    const sandbox = await startSandbox({
      crm: 'salesforce',
      seed: 4,
      partners: 10,
      deals: 5000,
      anchor: ANCHOR,
      dailyLimit: 1000,
    });
    try {
      const setUsage = (used: number): Promise<Response> =>
        fetch(`${sandbox.url}/__sandbox/salesforce/api-usage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ used }),
        });
      await setUsage(795);
      let clock = Date.now();
      const adapter = adapterFor(sandbox.url, salesforceConfig(), { now: () => clock });
      const seen: PullPage[] = [];
      const err = await (async () => {
        for await (const p of adapter.pull({ mode: 'full', cursor: null, refreshLinks: false })) seen.push(p);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CrmError);
      expect(err).toMatchObject({ kind: 'quota_exhausted', code: 'DAILY_RESERVE' });
      const usage = (await (await fetch(`${sandbox.url}/__sandbox/salesforce/api-usage`)).json()) as {
        used: number;
        allocation: number;
      };
      expect(usage.allocation - usage.used).toBeGreaterThanOrEqual(200);
      expect(sandbox.state.stats().rateLimited).toBe(0);
      const cursor = seen.at(-1)?.cursor ?? null;
      expect(cursor).not.toBeNull();
      // Within the minute the reading holds, nothing goes out.
      await expect(adapter.findTasks(['x'])).rejects.toMatchObject({ kind: 'quota_exhausted' });
      // A new day: the run resumes where it stopped and ends with every deal.
      await setUsage(0);
      clock += 3_600_000;
      const rest2 = await drain(
        adapter.pull({ mode: 'full', cursor: JSON.parse(JSON.stringify(cursor)) as PullCursor, refreshLinks: false }),
      );
      const ids = new Set([...seen, ...rest2].flatMap((p) => p.deals.map((d) => d.id)));
      expect(ids.size).toBe(5000);
    } finally {
      await sandbox.stop();
    }
  });

  it('treats REQUEST_LIMIT_EXCEEDED as the same clean stop', async () => {
    const sandbox = await startSandbox({
      crm: 'salesforce',
      seed: 4,
      partners: 5,
      deals: 50,
      anchor: ANCHOR,
      dailyLimit: 100,
    });
    try {
      await fetch(`${sandbox.url}/__sandbox/salesforce/api-usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ used: 100 }),
      });
      const adapter = adapterFor(sandbox.url, salesforceConfig({ salesforce: { dailyReservePercent: 0 } }));
      await expect(drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }))).rejects.toMatchObject({
        kind: 'quota_exhausted',
        code: 'REQUEST_LIMIT_EXCEEDED',
      });
      expect(adapter.callStats().rateLimited).toBe(1);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('reading and failing on the sandbox', () => {
  it('reads through Bulk API 2.0 above bulkThreshold with locator paging, the same records as REST', async () => {
    const sandbox = await startSandbox({ crm: 'salesforce', seed: 13, partners: 20, deals: 2500, anchor: ANCHOR });
    try {
      const viaRest = await drain(adapterFor(sandbox.url).pull({ mode: 'full', cursor: null, refreshLinks: false }));
      const bulkAdapter = adapterFor(sandbox.url, salesforceConfig({ salesforce: { bulkThreshold: 1000 } }), {
        bulkResultsPageSize: 400,
      });
      const viaBulk = await drain(bulkAdapter.pull({ mode: 'full', cursor: null, refreshLinks: false }));
      const byId = (pages: PullPage[]): unknown[] =>
        pages.flatMap((p) => p.deals).sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(byId(viaBulk)).toHaveLength(2500);
      expect(byId(viaBulk)).toEqual(byId(viaRest));
      const stats = bulkAdapter.callStats().byEndpoint;
      expect(stats[`POST /services/data/v${VERSION}/jobs/query`]?.count).toBe(1);
      expect(stats[`GET /services/data/v${VERSION}/jobs/query/{id}/results`]?.count).toBe(Math.ceil(500 / 400));
    } finally {
      await sandbox.stop();
    }
  });

  it('refreshes an expired session once and carries on', async () => {
    const sandbox = await startSandbox({ crm: 'salesforce', seed: 2, partners: 5, deals: 40, anchor: ANCHOR });
    try {
      const adapter = adapterFor(sandbox.url);
      await adapter.accountKey();
      sandbox.state.expireTokens();
      expect(await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }))).not.toHaveLength(0);
      expect(adapter.callStats().byEndpoint['POST /services/oauth2/token']?.count).toBe(2);
    } finally {
      await sandbox.stop();
    }
  });

  it('logs in with the JWT bearer flow as the configured user', async () => {
    const sandbox = await startSandbox({ crm: 'salesforce', seed: 2, partners: 5, deals: 40, anchor: ANCHOR });
    try {
      const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const adapter = adapterFor(sandbox.url, salesforceConfig(), {
        credentials: { flow: 'jwt', clientId: 'consumer', username: INTEGRATION_USERNAME, privateKey: pem },
      });
      const org = await adapter.accountKey();
      expect(org).toMatch(/^00D/);
      expect((await adapter.client.session()).userId).toBe(
        users(sandbox).find((u) => u.Username === INTEGRATION_USERNAME)?.Id,
      );
    } finally {
      await sandbox.stop();
    }
  });

  it('fails with an unavailable CrmError when requests time out, after retrying them', async () => {
    const sandbox = await startSandbox({
      crm: 'salesforce',
      seed: 2,
      partners: 5,
      deals: 40,
      anchor: ANCHOR,
      faults: `GET /services/data/v${VERSION}/queryAll=timeout:1@50ms`,
    });
    try {
      const adapter = adapterFor(sandbox.url);
      await expect(adapter.findTasks(['x'])).rejects.toMatchObject({ kind: 'unavailable' });
      expect(adapter.callStats().byEndpoint[`GET /services/data/v${VERSION}/queryAll`]).toEqual({
        count: 3,
        statuses: { network: 3 },
      });
    } finally {
      await sandbox.stop();
    }
  });

  it('creates tasks on the partner Account owned by its owner', async () => {
    const sandbox = await startSandbox({ crm: 'salesforce', seed: 2, partners: 5, deals: 40, anchor: ANCHOR });
    try {
      const adapter = adapterFor(sandbox.url);
      const partner = (await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }))).flatMap(
        (p) => p.partners,
      )[0];
      if (partner === undefined) throw new Error('no partner');
      const [created] = await adapter.createTasks([
        {
          marker: 'e2e-1',
          partnerId: partner.id,
          dealId: null,
          ownerId: partner.ownerId,
          subject: 'Check in',
          body: 'Health dropped.',
          dueAt: AS_OF,
          priority: 'LOW',
        },
      ]);
      const task = (await rest(sandbox, 'GET', `/sobjects/Task/${created?.taskId ?? ''}`)).json as Record<
        string,
        unknown
      >;
      expect(task).toMatchObject({
        WhatId: partner.id,
        OwnerId: partner.ownerId,
        Priority: 'Low',
        ActivityDate: '2026-06-01',
        Status: 'Not Started',
      });
    } finally {
      await sandbox.stop();
    }
  });
});

describe('the sandbox-salesforce provider', () => {
  it('starts the in-process sandbox, returns the real adapter pointed at it, and stops it on close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'psync-sf-'));
    const stateFile = path.join(dir, 'state.json');
    const loaded = salesforceConfig({
      provider: 'sandbox-salesforce',
      sandbox: { seed: 3, partners: 6, deals: 60, stateFile },
    });
    const adapter = await createCrmAdapter(loaded, { env: readEnv({}), logger: silentLogger(), dataDir: dir });
    expect(adapter.provider).toBe('sandbox-salesforce');
    const pages = await drain(adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }));
    expect(pages.flatMap((p) => p.deals)).toHaveLength(60);
    await adapter.close();
    expect(existsSync(stateFile)).toBe(true);
  });
});
