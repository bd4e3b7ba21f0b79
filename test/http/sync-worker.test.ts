// `serve` runs its syncs in a worker thread (issue 21, src/sync/sync-runner.ts), end to end on
// the sandbox CRM through the registry's HubSpot provider: while the worker's thread is blocked
// inside the run's compute step (a SyncHold, as a long synchronous compute would block it), the
// service still answers /healthz and /v1/runs, and the run then ends with the same ledger and
// CRM values as the same sync run on this thread. Shutdown during a worker run stops it at a
// checkpoint; a run failing in the worker is recorded failed with its message; another holder
// of the account lock is still a LockBusyError to the service; the worker's logs reach the
// service's logger.

import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.ts';
import type { LedgerEntry } from '../../src/ledger/types.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import type { SandboxHandle } from '../../src/sandbox/server.ts';
import { LockBusyError } from '../../src/store/account-lock.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { runSync, type SyncResult } from '../../src/sync/run-sync.ts';
import { relayLog, SyncHold } from '../../src/sync/sync-runner.ts';
import { PG_URL } from '../sync/helpers.ts';
import {
  ACCESS_TOKEN,
  type Cleanups,
  env,
  hubspotConfig,
  hubspotSandbox,
  serveWith,
  type Served,
  storeUrlOf as storeUrlAt,
} from './worker-service.ts';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sandboxOf = (faults?: string): ReturnType<typeof hubspotSandbox> =>
  hubspotSandbox(cleanups, { seed: 7, partners: 12, deals: 260, faults });
const configOf = (sandbox: SandboxHandle, portalId: number, storeUrl: string): LoadedConfig =>
  hubspotConfig(sandbox, portalId, storeUrl);
const storeUrlOf = (target: 'sqlite' | 'postgres'): Promise<string> => storeUrlAt(target, 'syncworker', cleanups);
const serve = (config: LoadedConfig, options: { hold?: SyncHold; lines?: string[] } = {}): Promise<Served> =>
  serveWith(config, cleanups, options);

/** What a run posted, without what differs between two runs of the same data (ids, times). */
function postings(entries: LedgerEntry[]): unknown[] {
  return entries
    .map(({ id: _id, seq: _seq, runId: _run, postedAt: _at, ...rest }) => rest)
    .sort((a, b) => (JSON.stringify(a, big) < JSON.stringify(b, big) ? -1 : 1));
}
const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** The partner and deal values the CRM holds (what write-back changed), without its bookkeeping. */
async function crmValues(sandbox: SandboxHandle): Promise<unknown> {
  const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as Record<string, unknown>;
  return JSON.parse(
    JSON.stringify(state, (k, v: unknown) =>
      ['updatedAt', 'hs_lastmodifieddate', 'createdAt', 'tokens', 'journal'].includes(k) ? undefined : v,
    ),
  );
}

const targets: ('sqlite' | 'postgres')[] = PG_URL === undefined ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(targets)('serve runs syncs in a worker thread (%s)', (target) => {
  it('answers /healthz and /v1/runs while the run is held in its compute step, then ends as an in-thread run', async () => {
    const b = await sandboxOf();
    const storeUrl = await storeUrlOf(target);
    const hold = new SyncHold('compute');
    const lines: string[] = [];
    const svc = await serve(configOf(b.sandbox, b.portalId, storeUrl), { hold, lines });
    const started = await svc.post('/v1/sync', { full: true });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    await hold.reached;

    // the worker's thread is blocked inside the run; this thread answers
    expect(svc.syncs.progress?.step).toBe('compute');
    for (let i = 0; i < 3; i++) {
      const health = await fetch(`${svc.url}/healthz`);
      expect(health.status).toBe(200);
      const runs = (await (await svc.get('/v1/runs')).json()) as { runs: { id: string; status: string }[] };
      expect(runs.runs.find((r) => r.id === runId)?.status).toBe('running');
    }
    expect(svc.syncs.runningId).toBe(runId);
    hold.release();
    await svc.syncs.idle();

    const run = (await (await svc.get(`/v1/runs/${runId}`)).json()) as {
      status: string;
      asOf: string;
      report: SyncResult['report'];
    };
    expect(run.status).toBe('succeeded');

    // the same sync on this thread, on an identical sandbox and store, as of the worker run's
    // instant: a day boundary of an activity window passing between two runs on the system
    // clock would make them differ ("inactive for 121 days" against 122)
    const a = await sandboxOf();
    const storeA = await openStore(await storeUrlOf(target));
    cleanups.push(() => storeA.close());
    const configA = configOf(a.sandbox, a.portalId, 'sqlite::memory:');
    const crmA = await createCrmAdapter(configA, { env, logger: silentLogger(), dataDir: tmpdir() });
    cleanups.push(() => crmA.close());
    const asOf = Date.parse(run.asOf);
    const inThread = await runSync(
      { crm: crmA, store: storeA, clock: { now: () => asOf }, logger: silentLogger(), config: configA },
      { full: true },
    );
    expect(inThread.status).toBe('succeeded');
    expect(inThread.asOf).toBe(asOf);
    expect(run.report.ledger).toEqual(inThread.report.ledger);
    expect(run.report.writeBack).toEqual(inThread.report.writeBack);
    expect(run.report.snapshot).toEqual(inThread.report.snapshot);
    expect(inThread.report.ledger.posted.accrual).toBeGreaterThan(0);
    expect(inThread.report.writeBack.partners).toBeGreaterThan(0);
    expect(postings(await svc.store.ledgerEntries(inThread.account, {}))).toEqual(
      postings(await storeA.ledgerEntries(inThread.account, {})),
    );
    expect(await crmValues(b.sandbox)).toEqual(await crmValues(a.sandbox));

    // the worker's lines went through the service's logger
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((l) => l['msg'] === 'partnersync listening')?.['syncs']).toBe('worker thread');
    expect(logged.filter((l) => l['runId'] === runId).map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['sync started', 'sync finished']),
    );
    expect(lines.join('\n')).not.toContain(ACCESS_TOKEN);
  });
});

describe('serve worker runs: shutdown, failure, lock busy', () => {
  it('a shutdown during a worker run stops it at a checkpoint of the pull; the next run resumes', async () => {
    const { sandbox, portalId } = await sandboxOf();
    const storeUrl = await storeUrlOf('sqlite');
    const config = configOf(sandbox, portalId, storeUrl);
    // held after the first page of the pull; the shutdown's abort releases a held run
    const hold = new SyncHold('pull');
    const svc = await serve(config, { hold });
    const { runId } = (await (await svc.post('/v1/sync', { full: true })).json()) as { runId: string };
    await hold.reached;
    await svc.stop();
    await expect(fetch(`${svc.url}/healthz`)).rejects.toThrow();

    const store = await openStore(storeUrl);
    cleanups.push(() => store.close());
    const run = await store.getRun(runId);
    expect(run?.status).toBe('stopped');
    expect(run?.report['stoppedAt']).toBe('pull');
    expect((run?.report['pull'] as { pages: number }).pages).toBe(1);
    const state = await store.pullState(run?.account ?? '');
    expect(state?.done).toBe(false);

    // a new service resumes the interrupted pull and finishes it
    const again = await serve(config);
    const next = (await (await again.post('/v1/sync', {})).json()) as { runId: string };
    await again.syncs.idle();
    const resumed = await store.getRun(next.runId);
    expect(resumed?.status).toBe('succeeded');
    expect(resumed?.report['mode']).toBe('full (resumed)');
    expect((resumed?.report['pull'] as { resumed: boolean }).resumed).toBe(true);
  });

  it('a run failing in the worker is recorded failed with its message', async () => {
    const { sandbox, portalId } = await sandboxOf('/crm/*=400:after:0');
    const svc = await serve(configOf(sandbox, portalId, await storeUrlOf('sqlite')));
    const { runId } = (await (await svc.post('/v1/sync', { full: true })).json()) as { runId: string };
    await svc.syncs.idle();
    const run = (await (await svc.get(`/v1/runs/${runId}`)).json()) as {
      status: string;
      report: { error?: string };
    };
    expect(run.status).toBe('failed');
    expect(run.report.error).toMatch(/400|invalid/i);
  });

  it('another holder of the account lock: the service hears a LockBusyError, as on its own thread', async () => {
    const { sandbox, portalId } = await sandboxOf();
    const storeUrl = await storeUrlOf('sqlite');
    const lines: string[] = [];
    const svc = await serve(configOf(sandbox, portalId, storeUrl), { lines });
    const other = await openStore(storeUrl);
    cleanups.push(() => other.close());
    const lock = await other.lock(`hubspot:${portalId}`, 0);
    try {
      const err: unknown = await svc.syncs.requestSync({ refreshLinks: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockBusyError);
      expect((err as LockBusyError).account).toBe(`hubspot:${portalId}`);
      expect((err as LockBusyError).message).toContain(`pid ${process.pid}`);
      // POST /v1/sync still answers 202; the run is skipped and logged as before
      expect((await svc.post('/v1/sync', {})).status).toBe(202);
      await svc.syncs.idle();
      expect(lines.some((l) => l.includes('another instance is syncing this account; skipped'))).toBe(true);
    } finally {
      await lock.release();
    }
    // with the lock free again, the next run goes through
    expect((await svc.post('/v1/sync', {})).status).toBe(202);
    await svc.syncs.idle();
    const runs = await svc.store.listRuns(`hubspot:${portalId}`, 10);
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
  });
});

describe("the worker's log lines", () => {
  it("are written by the service's logger: its level, its redaction of keys and of secret values", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      secrets: [ACCESS_TOKEN],
      destination: {
        write: (line: string) => {
          lines.push(line);
        },
      } as unknown as NodeJS.WritableStream,
    });
    // lines as the worker's pino writes them (no time, no base fields)
    relayLog(logger, JSON.stringify({ level: 20, msg: 'debug detail' }));
    relayLog(
      logger,
      JSON.stringify({
        level: 50,
        runId: 'r1',
        headers: { authorization: 'Bearer abc' },
        err: { type: 'CrmError', message: `401 for ${ACCESS_TOKEN}` },
        msg: 'sync failed',
      }),
    );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 50,
      service: 'partnersync',
      runId: 'r1',
      msg: 'sync failed',
      headers: { authorization: '[redacted]' },
      err: { type: 'CrmError', message: '401 for [redacted]' },
    });
    expect(lines[0]).not.toContain(ACCESS_TOKEN);
  });
});
