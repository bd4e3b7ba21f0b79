// The per-account sync lock and its fencing token (issue 16). PostgreSQL: a session advisory lock
// on a dedicated connection (released by the server when the holder dies). SQLite: a lock file
// beside the database naming the holder (a file left by a dead process is taken over). A second
// sync for the same account is refused (or waits up to `waitMs`).
//
// A lock alone cannot keep two runs apart for good (a PostgreSQL session can die under a running
// sync; a lock file can be removed), so every acquisition also raises the account's lease epoch
// (table account_leases, migration 005) and hands it out as the fence: the transactions that post
// or record write-back state check it (fence.ts), and a run holding an older epoch stops.

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Fence, LedgerLock } from '../ledger/port.ts';
import type { Database } from './schema.ts';

export type AccountLock = LedgerLock;

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

/**
 * Raises the account's lease epoch and returns it: the fence of the acquisition just made. Called
 * only while holding the lock, so epochs are handed out in the order the lock was taken.
 */
export async function raiseEpoch(db: Kysely<Database>, account: string, at: number): Promise<number> {
  return takeEpoch(db, account, at, 'write');
}

/**
 * How a lock is taken: `write` (a sync, a period close) raises the lease epoch; `preview`
 * (`sync --dry-run`, which writes nothing anywhere) holds the lock with the current epoch and
 * leaves the lease row as it was, so a preview changes no table at all.
 */
export type LockMode = 'write' | 'preview';

async function takeEpoch(db: Kysely<Database>, account: string, at: number, mode: LockMode): Promise<number> {
  if (mode === 'preview') {
    const row = await db.selectFrom('account_leases').select('epoch').where('account', '=', account).executeTakeFirst();
    return row === undefined ? 0 : Number(row.epoch);
  }
  const holder = `${process.pid}@${hostname()}`;
  const row = await db
    .insertInto('account_leases')
    .values({ account, epoch: 1, holder, acquired_at: at })
    .onConflict((oc) =>
      oc.column('account').doUpdateSet((eb) => ({
        epoch: eb('account_leases.epoch', '+', 1),
        holder: eb.ref('excluded.holder'),
        acquired_at: eb.ref('excluded.acquired_at'),
      })),
    )
    .returning('epoch')
    .executeTakeFirstOrThrow();
  return Number(row.epoch);
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

interface FileContent extends LockHolder {
  /** Which acquisition wrote the file: release removes only its own. */
  token: string | null;
}

function readHolder(file: string): FileContent | null {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<FileContent>;
    return {
      pid: typeof raw.pid === 'number' ? raw.pid : null,
      host: raw.host ?? null,
      since: raw.since ?? null,
      token: typeof raw.token === 'string' ? raw.token : null,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // debris (an empty or partial file left by an older version killed while writing it)
    return { pid: null, host: null, since: null, token: null };
  }
}

export function lockFilePath(dbFile: string, account: string): string {
  const safe = account.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${dbFile}.${safe}.lock`;
}

/** An unreadable lock file this old is debris (this version writes lock files whole, by rename). */
const UNREADABLE_STALE_MS = 10_000;

function olderThan(file: string, ms: number): boolean {
  try {
    return statSync(file).mtimeMs < Date.now() - ms;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** A holder that cannot be holding any more: a dead process on this host, or old debris. */
function isStale(file: string, holder: FileContent): boolean {
  const unreadable = holder.pid === null && holder.host === null && holder.since === null;
  if (unreadable) return olderThan(file, UNREADABLE_STALE_MS);
  return holder.pid !== null && holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid);
}

/**
 * One attempt, atomic against every other partnersync process: the look at the file, the
 * takeover of a stale one and the epoch raise happen inside one SQLite write transaction
 * (BEGIN IMMEDIATE, sqlite-database.ts), so contenders take turns. Checking a stale file and then
 * replacing it outside such a transaction let two contenders both "take over" (issue 16).
 */
async function tryFileLock(
  db: Kysely<Database>,
  file: string,
  account: string,
  mode: LockMode,
  token: string,
): Promise<AccountLock | LockHolder> {
  mkdirSync(path.dirname(file), { recursive: true });
  const got = await db.transaction().execute(async (trx): Promise<number | LockHolder> => {
    const holder = readHolder(file);
    if (holder !== null && !isStale(file, holder)) return holder;
    // written whole, then renamed over whatever stale file is there: a process killed at any
    // moment leaves either no file, the old one, or a complete one naming a dead process
    const draft = `${file}.${token}.tmp`;
    writeFileSync(
      draft,
      JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), token }),
    );
    try {
      renameSync(draft, file);
    } finally {
      rmSync(draft, { force: true });
    }
    try {
      return await takeEpoch(trx, account, Date.now(), mode);
    } catch (err) {
      rmSync(file, { force: true }); // ours, just written: nobody else can have replaced it yet
      throw err;
    }
  });
  if (typeof got !== 'number') return got;
  const fence: Fence = { account, epoch: got, session: null };
  let released = false;
  return {
    fence,
    lost: () => {
      if (released) return 'the lock was released';
      const now = readHolder(file);
      if (now?.token === token) return null;
      return now === null ? 'its lock file was removed' : `its lock file now names pid ${now.pid ?? '?'}`;
    },
    release: async () => {
      if (released) return;
      released = true;
      try {
        // remove the file only while it is ours, in a write transaction so no takeover interleaves
        await db.transaction().execute(() => {
          if (readHolder(file)?.token === token) rmSync(file, { force: true });
          return Promise.resolve();
        });
      } catch {
        // the store is gone or busy: the file names this process, and once it exits the next
        // sync takes it over; releasing never changes how the run ended
      }
    },
  };
}

export async function acquireSqliteLock(
  db: Kysely<Database>,
  dbFile: string,
  account: string,
  waitMs: number,
  mode: LockMode = 'write',
  token: string = randomUUID(),
): Promise<AccountLock> {
  if (dbFile === ':memory:') {
    const key = `memory:${account}`;
    const lock = await withWait(waitMs, async () => {
      if (memoryLocks.has(key)) return null;
      memoryLocks.add(key);
      try {
        const fence: Fence = { account, epoch: await takeEpoch(db, account, Date.now(), mode), session: null };
        let released = false;
        return {
          fence,
          lost: () => (released ? 'the lock was released' : null),
          release: () => {
            if (!released) memoryLocks.delete(key);
            released = true;
            return Promise.resolve();
          },
        };
      } catch (err) {
        memoryLocks.delete(key);
        throw err;
      }
    });
    if (lock === null) throw new LockBusyError(account, { pid: process.pid, host: hostname(), since: null });
    return lock;
  }
  const file = lockFilePath(dbFile, account);
  let holder: LockHolder | null = null;
  const lock = await withWait(waitMs, async () => {
    const got = await tryFileLock(db, file, account, mode, token);
    if ('release' in got) return got;
    holder = { pid: got.pid, host: got.host, since: got.since };
    return null;
  });
  if (lock === null) throw new LockBusyError(account, holder);
  return lock;
}

// ---- PostgreSQL: advisory locks -----------------------------------------------------------------

/** First key of the two-key advisory lock: "psnc", so our locks never collide with other apps'. */
export const LOCK_NAMESPACE = 0x70736e63;

export async function acquirePostgresLock(
  connectionString: string,
  db: Kysely<Database>,
  account: string,
  waitMs: number,
  mode: LockMode = 'write',
): Promise<AccountLock> {
  // A dedicated connection: the lock lives as long as this session, whatever the pool does.
  // TCP keep-alive makes a silently vanished server (failover, a proxy) end the session here too.
  const client = new pg.Client({ connectionString, application_name: 'partnersync-lock', keepAlive: true });
  let lostWhy: string | null = null;
  let released = false;
  // The session ending (server restart, idle timeout, pg_terminate_backend) must not crash the
  // process: the lock is gone with it. It is remembered, and the run stops at its next check.
  client.on('error', (err) => {
    lostWhy ??= `its lock session ended (${err.message})`;
  });
  client.on('end', () => {
    if (!released) lostWhy ??= 'its lock session ended';
  });
  await client.connect();
  try {
    const pid = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const session = pid.rows[0]?.pid ?? null;
    const lock = await withWait(waitMs, async () => {
      const res = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [
        LOCK_NAMESPACE,
        account,
      ]);
      if (res.rows[0]?.locked !== true) return null;
      // held: raise the lease epoch (through the pool: a posting transaction that still holds the
      // lease row of a run that lost its session finishes first, and its entries are then seen)
      const fence: Fence = { account, epoch: await takeEpoch(db, account, Date.now(), mode), session };
      return {
        fence,
        lost: () => lostWhy ?? (released ? 'the lock was released' : null),
        release: async () => {
          if (released) return;
          released = true;
          try {
            if (lostWhy === null)
              await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, account]);
          } catch {
            // the session died meanwhile: the server released the lock with it
          }
          await client.end().catch(() => undefined);
        },
      };
    });
    if (lock === null) throw new LockBusyError(account, null);
    return lock;
  } catch (err) {
    released = true;
    await client.end().catch(() => undefined);
    throw err;
  }
}

// ---- Reclaiming the lock of a holder that died (issue 21) -----------------------------------------

/**
 * What a watcher knows of a lock acquisition made by a holder it watches (`serve`'s sync worker
 * thread, sync-runner.ts), to free the lock if that holder dies while holding it: a thread that
 * dies takes no process with it, so its SQLite lock file keeps naming a live process.
 */
export interface LockClaim {
  account: string;
  /** The token the acquisition was asked to use (`Store.lock`'s `token`): its SQLite lock file names it. */
  token: string;
  /** Its fence once granted; null when the holder died before it said. */
  fence: Fence | null;
  /** How long ago (ms, the watcher's clock) the watcher heard it was granted; null with no fence. */
  grantedMsAgo: number | null;
}

/**
 * SQLite: removes the lock file while it still names the claim's acquisition (checked in a write
 * transaction, as a release does, so no takeover interleaves); a later holder's file is left alone.
 * True when a file was removed.
 */
export async function reclaimSqliteLock(db: Kysely<Database>, dbFile: string, claim: LockClaim): Promise<boolean> {
  if (dbFile === ':memory:') return false;
  const file = lockFilePath(dbFile, claim.account);
  return db.transaction().execute(() => {
    if (readHolder(file)?.token !== claim.token) return Promise.resolve(false);
    rmSync(file, { force: true });
    return Promise.resolve(true);
  });
}

/**
 * PostgreSQL: a dead holder's lock session normally ends with its connection (the thread's socket
 * closes with it) and the server releases the advisory lock itself. If that session still holds the
 * lock, it is ended — only while the lease is still at the claim's epoch (read `FOR UPDATE`, so no
 * acquisition raises it meanwhile) and the session holding it started before the claim was granted
 * (a session that reused the backend pid later is not the dead one). True when a session was ended.
 */
export async function reclaimPostgresLock(db: Kysely<Database>, claim: LockClaim): Promise<boolean> {
  const { fence, grantedMsAgo } = claim;
  if (fence === null || fence.session === null || grantedMsAgo === null) return false;
  return db.transaction().execute(async (trx) => {
    const lease = await trx
      .selectFrom('account_leases')
      .select('epoch')
      .where('account', '=', claim.account)
      .forUpdate()
      .executeTakeFirst();
    if (lease === undefined || Number(lease.epoch) !== fence.epoch) return false;
    const held = await sql<{ pid: number }>`
      select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.classid = ${LOCK_NAMESPACE} and l.granted and l.pid = ${fence.session}
        and a.backend_start <= now() - make_interval(secs => ${grantedMsAgo / 1000})`.execute(trx);
    if (held.rows.length === 0) return false;
    // with a timeout, pg_terminate_backend returns once the session has ended (its lock with it)
    const ended = await sql<{ ended: boolean }>`select pg_terminate_backend(${fence.session}, 10000) as ended`.execute(
      trx,
    );
    return ended.rows[0]?.ended === true;
  });
}
