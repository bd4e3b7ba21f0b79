// How long the sync service gathers changes before a targeted run: webhook deliveries arrive one
// by one and wait `debounceMs`; event sources hand over batches they gathered themselves and wait
// only the short event debounce (the shorter of 250 ms and debounceMs). Fake timers: no waiting.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open-store.ts';
import { SyncService } from '../../src/sync/sync-service.ts';
import { seedCrm, testConfig, TestClock } from './helpers.ts';

async function service(): Promise<{ syncs: SyncService; close: () => Promise<void> }> {
  const crm = new FakeCrm({ account: 'acct-debounce', pageSize: 50 });
  seedCrm(crm);
  const store = await openStore('sqlite::memory:');
  const syncs = new SyncService(
    { crm, store, clock: new TestClock('2026-03-20T12:00:00Z'), logger: silentLogger(), config: testConfig() },
    { debounceMs: 2_000 },
  );
  return {
    syncs,
    close: async () => {
      vi.useRealTimers();
      await syncs.stop();
      await store.close();
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('sync service debounce', () => {
  it('an event source’s batch starts its targeted run after the short event debounce', async () => {
    const { syncs, close } = await service();
    vi.useFakeTimers();
    const done = syncs.enqueueAndWait({ deals: ['d1'], partners: [] });
    done.catch(() => undefined);
    vi.advanceTimersByTime(249);
    expect(syncs.runningId).toBeNull();
    vi.advanceTimersByTime(1);
    expect(syncs.runningId).not.toBeNull();
    await close();
  });

  it('a webhook delivery waits the full debounce', async () => {
    const { syncs, close } = await service();
    vi.useFakeTimers();
    syncs.enqueue({ deals: ['d1'], partners: [] });
    vi.advanceTimersByTime(1_999);
    expect(syncs.runningId).toBeNull();
    vi.advanceTimersByTime(1);
    expect(syncs.runningId).not.toBeNull();
    await close();
  });
});
