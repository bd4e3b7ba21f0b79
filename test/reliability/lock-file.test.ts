// The SQLite sync lock: its file names the holder from the moment it exists, a file left by a dead
// process (or old debris) is taken over, and the takeover is atomic (issue 16: six syncs on a
// stale lock file used to take it over together in 5 to 9 trials of 30).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { lockFilePath, LockBusyError } from '../../src/store/account-lock.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { ROOT } from '../helpers/run-node.ts';

const ACCOUNT = 'hubspot:4811523';
/** What every contender wants posted (deal:partner:period keys). */
const CONTENDER_KEYS = ['d1:p1:2026-01', 'd2:p1:2026-01', 'd3:p2:2026-02'];

async function database(): Promise<{ file: string; store: KyselyStore }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'partnersync-lock-')), 'store.db');
  return { file, store: await openStore(`sqlite:${file}`) };
}

/** The pid of a process that has exited (reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('SQLite account lock files', () => {
  it('holds the lock in a file that names its holder from the moment it exists', async () => {
    const { file, store } = await database();
    const lock = await store.lock(ACCOUNT, 0);
    const holder = JSON.parse(readFileSync(lockFilePath(file, ACCOUNT), 'utf8')) as { pid: number; host: string };
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(store.lock(ACCOUNT, 0)).rejects.toBeInstanceOf(LockBusyError);
    await lock.release();
    const again = await store.lock(ACCOUNT, 0);
    expect(again.fence.epoch).toBe(lock.fence.epoch + 1);
    await again.release();
    await store.close();
  });

  it('takes over a lock file left by a dead process', async () => {
    const { file, store } = await database();
    writeFileSync(
      lockFilePath(file, ACCOUNT),
      JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }),
    );
    const lock = await store.lock(ACCOUNT, 0);
    await lock.release();
    await store.close();
  });

  it('takes over an empty lock file once it is older than 10 seconds (debris of a killed process)', async () => {
    const { file, store } = await database();
    const lockFile = lockFilePath(file, ACCOUNT);
    writeFileSync(lockFile, '');
    const old = new Date(Date.now() - 20_000);
    utimesSync(lockFile, old, old);
    const lock = await store.lock(ACCOUNT, 0);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await store.close();
  });

  it('refuses while an unreadable lock file is fresh', async () => {
    const { file, store } = await database();
    writeFileSync(lockFilePath(file, ACCOUNT), '');
    await expect(store.lock(ACCOUNT, 0)).rejects.toBeInstanceOf(LockBusyError);
    await store.close();
  });

  it('releases only its own file: a lock taken over meanwhile stays with its new holder', async () => {
    const { file, store } = await database();
    const lockFile = lockFilePath(file, ACCOUNT);
    const lock = await store.lock(ACCOUNT, 0);
    const other = JSON.stringify({ pid: process.ppid, host: hostname(), since: new Date().toISOString(), token: 'x' });
    writeFileSync(lockFile, other);
    expect(lock.lost()).toMatch(/lock file now names pid/);
    await lock.release();
    expect(readFileSync(lockFile, 'utf8')).toBe(other);
    await store.close();
  });
});

interface Outcome {
  account: string;
  status: string;
  posted: number;
  error?: string;
}

/** A contender process (lock-contender.ts): `contend` sends it one trial and resolves with its outcome. */
interface Contender {
  ready: Promise<void>;
  contend(account: string, log: string): Promise<Outcome>;
  end(): Promise<void>;
}

function contender(db: string): Contender {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'test/reliability/lock-contender.ts'), '--db', db, '--keys', CONTENDER_KEYS.join(',')],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let onReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  let waiting: ((o: Outcome) => void) | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('"ready"')) onReady();
    else waiting?.(JSON.parse(line) as Outcome);
  });
  const closed = new Promise<void>((resolve) => {
    child.on('close', (code) => {
      onReady();
      waiting?.({
        account: '',
        status: 'no result',
        posted: 0,
        error: `exit ${String(code)}: ${stderr.slice(0, 500)}`,
      });
      resolve();
    });
  });
  return {
    ready,
    contend: (account, log) =>
      new Promise<Outcome>((resolve) => {
        waiting = resolve;
        child.stdin.write(`${account} ${log}\n`);
      }),
    end: () => {
      child.stdin.end();
      return closed;
    },
  };
}

/** Holders in the log at each moment: never above one when the lock excludes. */
function maxHolders(log: string): number {
  let holding = 0;
  let max = 0;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line.startsWith('acquired ')) holding += 1;
    if (line.startsWith('released ')) holding -= 1;
    max = Math.max(max, holding);
  }
  return max;
}

describe('a stale SQLite lock file and six contenders', () => {
  const TRIALS = 30;
  const CONTENDERS = 6;

  it(`never has two holders and posts one set of entries (${CONTENDERS} processes × ${TRIALS} trials)`, async () => {
    const { file, store } = await database();
    const dir = path.dirname(file);
    const problems: string[] = [];
    // six real processes, loaded once; each trial they contend at the same moment
    const all = Array.from({ length: CONTENDERS }, () => contender(file));
    try {
      await Promise.all(all.map((c) => c.ready));
      for (let trial = 0; trial < TRIALS; trial++) {
        const account = `hubspot:stale-${trial}`;
        const log = path.join(dir, `trial-${trial}.log`);
        writeFileSync(log, '');
        // a lock file left by a sync that was killed: its process is gone
        writeFileSync(
          lockFilePath(file, account),
          JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }),
        );
        const results = await Promise.all(all.map((c) => c.contend(account, log)));
        const holders = maxHolders(log);
        const entries = await store.ledgerEntries(account, {});
        const keys = entries.map((e) => e.key).sort();
        const posting = results.filter((r) => r.posted > 0).length;
        const bad = results.filter((r) => r.status !== 'posted');
        if (holders !== 1 || keys.join() !== [...CONTENDER_KEYS].sort().join() || posting !== 1 || bad.length > 0)
          problems.push(
            `trial ${trial}: ${holders} holders at once, ${entries.length} entries, ${posting} posting runs, ${bad.map((r) => `${r.status}: ${r.error ?? ''}`).join('; ')}`,
          );
        const lease = await store.db
          .selectFrom('account_leases')
          .select('epoch')
          .where('account', '=', account)
          .executeTakeFirst();
        if (Number(lease?.epoch) !== CONTENDERS)
          problems.push(`trial ${trial}: lease epoch ${String(lease?.epoch)} after ${CONTENDERS} holders`);
      }
    } finally {
      await Promise.all(all.map((c) => c.end()));
      await store.close();
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
