// Issue 21: what the service does, on its own thread, for a run whose worker thread died
// (src/sync/dead-run.ts): the lock the run announced is freed, the run is recorded failed with the
// cause, and the `sync.failed` notification a failed run sends is queued — once: settling the
// same run again (or a run that had ended) changes nothing. The worker-thread side, end to end,
// is test/http/sync-worker-death.test.ts. On SQLite and PostgreSQL.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LockBusyError } from '../../src/store/account-lock.ts';
import { silentLogger } from '../../src/log.ts';
import { deadRunError, settleDeadRun } from '../../src/sync/dead-run.ts';
import { makeWorld, PROGRAM_YAML, storeTargets, testConfig } from './helpers.ts';

const NOTIFY = `
notifications:
  channels:
    hook: { type: webhook, url: "http://127.0.0.1:9/hooks/a", secretEnv: TEST_HOOK_SECRET }
  routes:
    - { events: [sync.failed], channel: hook }
`;

describe.each(storeTargets())('settling a dead worker’s run on $name', (target) => {
  it('frees its lock, records it failed with the cause and queues sync.failed, once', async () => {
    const w = await makeWorld(target, { config: testConfig(PROGRAM_YAML + NOTIFY) });
    const account = w.crm.account;
    const deps = { store: w.store, config: w.config, logger: silentLogger() };
    try {
      // what the dead worker left: its lock (taken with the token it announced) and its run row
      const token = randomUUID();
      const lock = await w.store.lock(account, 0, 'write', token);
      const granted = performance.now();
      await w.store.ensureAccount(account, 'fake', 1_000);
      const runId = randomUUID();
      await w.store.startRun({ id: runId, account, mode: 'full', startedAt: 1_000, asOf: 1_000, report: {} });
      const finished = randomUUID();
      await w.store.startRun({ id: finished, account, mode: 'full', startedAt: 500, asOf: 500, report: {} });
      await w.store.finishRun(finished, 'succeeded', 900, { ok: true });

      const cause = 'it ended (exit code 70)';
      const claim = { account, token, fence: lock.fence, grantedMsAgo: performance.now() - granted };
      const outcome = await settleDeadRun(deps, { runId, cause, claims: [claim] });
      expect(outcome.locksFreed).toBe(1);
      expect(outcome.run).toMatchObject({ id: runId, status: 'failed', report: { error: deadRunError(cause) } });
      expect(deadRunError(cause)).toMatch(/^the sync worker died: it ended \(exit code 70\)\. The service freed/);
      const next = await w.store.lock(account, 0);
      const events = await w.store.listNotifications({ account, limit: 10 });
      expect(events.map((e) => [e.event.type, e.event.runId])).toEqual([['sync.failed', runId]]);

      // again (a late duplicate), and for a run that had ended: nothing changes
      expect(await settleDeadRun(deps, { runId, cause: 'again', claims: [claim] })).toEqual({
        locksFreed: 0,
        run: null,
      });
      expect(await settleDeadRun(deps, { runId: finished, cause, claims: [] })).toEqual({ locksFreed: 0, run: null });
      expect(next.lost()).toBeNull();
      await expect(w.store.lock(account, 0)).rejects.toBeInstanceOf(LockBusyError);
      expect((await w.store.getRun(finished))?.status).toBe('succeeded');
      expect((await w.store.getRun(runId))?.report['error']).toBe(deadRunError(cause));
      expect(await w.store.listNotifications({ account, limit: 10 })).toHaveLength(1);
      await next.release();
    } finally {
      await w.store.close();
    }
  });
});
