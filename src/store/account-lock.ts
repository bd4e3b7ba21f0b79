// The per-account sync lock. PostgreSQL: a session advisory lock on a dedicated connection
// (released by the server when the holder dies). SQLite: a lock file beside the database with
// the holder's pid (a file left by a dead process is taken over). A second sync for the same
// account is refused (or waits up to `waitMs`): two runs never post or write at the same time.

import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface AccountLock {
  release(): Promise<void>;
}

export interface LockHolder {
  pid: number | null;
  host: string | null;
  since: string | null;
}

export class LockBusyError extends Error {
  override readonly name = 'LockBusyError';
  readonly account: string;
  readonly holder: LockHolder | null;

  constructor(account: string, holder: LockHolder | null) {
    const who =
      holder?.pid == null
        ? 'another process'
        : `pid ${holder.pid} on ${holder.host ?? '?'} since ${holder.since ?? '?'}`;
    super(`another sync holds the lock for account ${account} (${who}); try again when it finishes`);
    this.account = account;
    this.holder = holder;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `attempt` until it returns a lock or `waitMs` has passed. */
async function withWait(waitMs: number, attempt: () => Promise<AccountLock | null>): Promise<AccountLock | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await attempt();
    if (lock !== null || Date.now() >= deadline) return lock;
    await sleep(Math.min(250, Math.max(1, deadline - Date.now())));
  }
}

// ---- SQLite: lock files -------------------------------------------------------------------------

/** Lock files held by this process (in-memory databases have no folder to put a file in). */
const memoryLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return { pid: typeof raw.pid === 'number' ? raw.pid : null, host: raw.host ?? null, since: raw.since ?? null };
  } catch (err) {
    // a file being written right now, or removed in between: treat as held by someone unknown
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { pid: null, host: null, since: null };
  }
}

export function lockFilePath(dbFile: string, account: string): string {
  const safe = account.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${dbFile}.${safe}.lock`;
}

/** An unreadable lock file this old is debris (lock files appear complete, see tryFileLock). */
const UNREADABLE_STALE_MS = 10_000;

function olderThan(file: string, ms: number): boolean {
  try {
    return statSync(file).mtimeMs < Date.now() - ms;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function tryFileLock(file: string): AccountLock | null | LockHolder {
  mkdirSync(path.dirname(file), { recursive: true });
  // The lock file appears with its content in one step (a hard link to a finished file), so a
  // process killed while taking the lock can never leave an empty lock file that nobody takes over.
  const draft = `${file}.${randomUUID()}.tmp`;
  writeFileSync(draft, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readHolder(file);
    if (holder === null) return null; // removed in between: try again
    const unreadable = holder.pid === null && holder.host === null && holder.since === null;
    const stale = unreadable
      ? olderThan(file, UNREADABLE_STALE_MS)
      : holder.pid !== null && holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid);
    if (!stale) return holder;
    rmSync(file, { force: true });
    return null;
  } finally {
    rmSync(draft, { force: true });
  }
  let released = false;
  return {
    release: () => {
      if (!released) rmSync(file, { force: true });
      released = true;
      return Promise.resolve();
    },
  };
}

export async function acquireSqliteLock(dbFile: string, account: string, waitMs: number): Promise<AccountLock> {
  let holder: LockHolder | null = null;
  if (dbFile === ':memory:') {
    const key = `memory:${account}`;
    const lock = await withWait(waitMs, () => {
      if (memoryLocks.has(key)) return Promise.resolve(null);
      memoryLocks.add(key);
      return Promise.resolve({
        release: () => {
          memoryLocks.delete(key);
          return Promise.resolve();
        },
      });
    });
    if (lock === null) throw new LockBusyError(account, { pid: process.pid, host: hostname(), since: null });
    return lock;
  }
  const file = lockFilePath(dbFile, account);
  const lock = await withWait(waitMs, () => {
    const got = tryFileLock(file);
    if (got !== null && 'release' in got) return Promise.resolve(got);
    // a stale file was removed (null): the next attempt takes the lock without waiting
    if (got === null) {
      const again = tryFileLock(file);
      if (again !== null && 'release' in again) return Promise.resolve(again);
      holder = again;
      return Promise.resolve(null);
    }
    holder = got;
    return Promise.resolve(null);
  });
  if (lock === null) throw new LockBusyError(account, holder);
  return lock;
}

// ---- PostgreSQL: advisory locks -----------------------------------------------------------------

/** First key of the two-key advisory lock: "psnc", so our locks never collide with other apps'. */
const LOCK_NAMESPACE = 0x70736e63;

export async function acquirePostgresLock(
  connectionString: string,
  account: string,
  waitMs: number,
): Promise<AccountLock> {
  // A dedicated connection: the lock lives as long as this session, whatever the pool does.
  const client = new pg.Client({ connectionString, application_name: 'partnersync-lock' });
  await client.connect();
  // An error on an idle lock connection (server restart) must not crash the process; the lock is
  // gone with the session, and the run's own queries will fail and report it.
  client.on('error', () => undefined);
  try {
    const lock = await withWait(waitMs, async () => {
      const res = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [
        LOCK_NAMESPACE,
        account,
      ]);
      if (res.rows[0]?.locked !== true) return null;
      return {
        release: async () => {
          try {
            await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, account]);
          } finally {
            await client.end();
          }
        },
      };
    });
    if (lock === null) throw new LockBusyError(account, null);
    return lock;
  } catch (err) {
    await client.end();
    throw err;
  }
}
