// Issue 21: the account lock of a holder that died without releasing it (serve's sync worker
// thread: the process lives on, so its SQLite lock file keeps naming a live process) is freed by
// `Store.reclaimLock` with what the watcher knew of the acquisition (its token and fence) — and a
// later holder's lock is never touched. On SQLite and PostgreSQL; the "dead holder" is an
// acquisition that is simply never released (on PostgreSQL its session stays open, the case a
// thread's closed socket normally settles by itself).

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LockBusyError, lockFilePath, type LockClaim } from '../../src/store/account-lock.ts';
import { openStore, sqliteFileOf } from '../../src/store/open-store.ts';
import { storeTargets } from '../sync/helpers.ts';

describe.each(storeTargets())('reclaiming a dead holder’s lock on $name', (target) => {
  it('frees the lock of the claimed acquisition; the next holder takes it and its fence holds', async () => {
    const url = target.url();
    const watcher = await openStore(url);
    const holder = await openStore(url);
    const account = `reclaim-${randomUUID()}`;
    try {
      const token = randomUUID();
      const dead = await holder.lock(account, 0, 'write', token);
      const granted = performance.now(); // when the watcher hears of the grant: after it
      await expect(watcher.lock(account, 0)).rejects.toBeInstanceOf(LockBusyError);
      if (target.name === 'sqlite')
        expect(existsSync(lockFilePath(sqliteFileOf(url, process.cwd()), account))).toBe(true);

      const claim: LockClaim = { account, token, fence: dead.fence, grantedMsAgo: performance.now() - granted };
      expect(await watcher.reclaimLock(claim)).toBe(true);
      const next = await watcher.lock(account, 0);
      expect(next.fence.epoch).toBe(dead.fence.epoch + 1);
      // the dead acquisition's fence is refused, the new one's accepted
      await expect(holder.saveRefusals(account, [], [{ object: 'deal', recordId: 'd' }], dead.fence)).rejects.toThrow(
        /lost|epoch/,
      );
      await watcher.saveRefusals(account, [], [{ object: 'deal', recordId: 'd' }], next.fence);

      // the same claim again (a watcher that runs late) leaves the new holder alone
      expect(await watcher.reclaimLock(claim)).toBe(false);
      expect(next.lost()).toBeNull();
      await watcher.saveRefusals(account, [], [{ object: 'deal', recordId: 'd' }], next.fence);
      await expect(holder.lock(account, 0)).rejects.toBeInstanceOf(LockBusyError);
      await next.release();
      await dead.release(); // releasing the reclaimed lock later changes nothing
      const after = await holder.lock(account, 0);
      await after.release();
    } finally {
      await holder.close();
      await watcher.close();
    }
  });

  it('a claim whose holder died before the lock was granted frees nothing another holder has', async () => {
    const url = target.url();
    const watcher = await openStore(url);
    const other = await openStore(url);
    const account = `reclaim-${randomUUID()}`;
    try {
      const held = await other.lock(account, 0, 'write', randomUUID());
      // the dead holder announced its token but never got the lock: no fence
      expect(await watcher.reclaimLock({ account, token: randomUUID(), fence: null, grantedMsAgo: null })).toBe(false);
      expect(held.lost()).toBeNull();
      await other.saveRefusals(account, [], [{ object: 'deal', recordId: 'd' }], held.fence);
      await expect(watcher.lock(account, 0)).rejects.toBeInstanceOf(LockBusyError);
      await held.release();
    } finally {
      await other.close();
      await watcher.close();
    }
  });

  it.runIf(target.name === 'postgres')(
    'PostgreSQL: a session that started after the claim was granted is not the dead one, and is left alone',
    async () => {
      const url = target.url();
      const watcher = await openStore(url);
      const holder = await openStore(url);
      const account = `reclaim-${randomUUID()}`;
      try {
        const lock = await holder.lock(account, 0);
        // as if the watcher had heard of the grant an hour before this session started (a reused pid)
        const claim: LockClaim = { account, token: randomUUID(), fence: lock.fence, grantedMsAgo: 3_600_000 };
        expect(await watcher.reclaimLock(claim)).toBe(false);
        expect(lock.lost()).toBeNull();
        await holder.saveRefusals(account, [], [{ object: 'deal', recordId: 'd' }], lock.fence);
        await lock.release();
      } finally {
        await holder.close();
        await watcher.close();
      }
    },
  );
});
