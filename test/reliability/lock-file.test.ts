// The SQLite sync lock survives a process killed while taking it (found by the reliability suite:
// a SIGKILL between creating the lock file and writing its pid left an empty file that no later sync
// would take over, so the account stayed locked for good).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireSqliteLock, lockFilePath, LockBusyError } from '../../src/store/account-lock.ts';

const ACCOUNT = 'hubspot:4811523';

function database(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'partnersync-lock-')), 'store.db');
}

/** The pid of a process that has exited (reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('SQLite account lock files', () => {
  it('holds the lock in a file that names its holder from the moment it exists', async () => {
    const db = database();
    const lock = await acquireSqliteLock(db, ACCOUNT, 0);
    const holder = JSON.parse(readFileSync(lockFilePath(db, ACCOUNT), 'utf8')) as { pid: number; host: string };
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(acquireSqliteLock(db, ACCOUNT, 0)).rejects.toBeInstanceOf(LockBusyError);
    await lock.release();
    await (await acquireSqliteLock(db, ACCOUNT, 0)).release();
  });

  it('takes over a lock file left by a dead process', async () => {
    const db = database();
    writeFileSync(
      lockFilePath(db, ACCOUNT),
      JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }),
    );
    const lock = await acquireSqliteLock(db, ACCOUNT, 0);
    await lock.release();
  });

  it('takes over an empty lock file once it is older than 10 seconds (debris of a killed process)', async () => {
    const db = database();
    const file = lockFilePath(db, ACCOUNT);
    writeFileSync(file, '');
    const old = new Date(Date.now() - 20_000);
    utimesSync(file, old, old);
    const lock = await acquireSqliteLock(db, ACCOUNT, 0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('refuses while an unreadable lock file is fresh', async () => {
    const db = database();
    writeFileSync(lockFilePath(db, ACCOUNT), '');
    await expect(acquireSqliteLock(db, ACCOUNT, 0)).rejects.toBeInstanceOf(LockBusyError);
  });
});
