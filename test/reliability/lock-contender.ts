// One contender for the account lock, in its own process (lock-file.test.ts runs six at once on
// a stale lock file, trial after trial): opens the SQLite store, prints {"event":"ready"}, then for
// each stdin line "ACCOUNT LOGFILE" takes that account's lock (waiting), logs "acquired", plans a
// fixed set of ledger postings from what is posted, holds the lock a moment, posts with its
// fence, logs "released", releases, and prints one JSON line:
// { account, status: 'posted' | 'locked' | 'lost' | 'error', posted, epoch?, error? }.
// Usage: node test/reliability/lock-contender.ts --db FILE --keys K1,K2 [--hold-ms N]

import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AccountLostError } from '../../src/ledger/errors.ts';
import type { NewLedgerEntry } from '../../src/ledger/types.ts';
import { LockBusyError } from '../../src/store/account-lock.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    keys: { type: 'string', default: '' },
    'hold-ms': { type: 'string', default: '20' },
  },
});
const db = values.db ?? '';

/** The set every holder wants posted: one accrual per key (deal:partner:period). */
const keys = values.keys.split(',').filter((k) => k !== '');

function entry(key: string): NewLedgerEntry {
  const [dealId = '', partnerId = '', period = ''] = key.split(':');
  return {
    ...{ key, kind: 'accrual', period, originalPeriod: period, partnerId, partnerName: partnerId },
    ...{ dealId, dealName: dealId, amount: 1000n, payableAt: 0, payableOn: `${period}-01`, reason: 'contender' },
    inputs: {
      ...{ recipe: 'r', plan: 'p', planType: 'percent', basis: null, rateBps: 1000, tier: null },
      ...{ wonDealsForTier: null, dealAmount: null, dealCurrency: null, exchangeRate: null, baseAmount: null },
      ...{ attributionModel: 'sourced', role: null, commission: '10.00', instalment: 1, instalments: 1 },
      ...{ capped: false, target: '10.00', dealClosedAt: null, clawbackDays: 0 },
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

async function contend(store: KyselyStore, account: string, log: string): Promise<Record<string, unknown>> {
  try {
    const lock = await store.lock(account, 30_000);
    try {
      appendFileSync(log, `acquired ${process.pid} ${lock.fence.epoch}\n`);
      const view = await store.ledgerView(account);
      const entries = keys.filter((k) => !view.balances.has(k)).map(entry);
      await sleep(Number(values['hold-ms']));
      const posted = await store.postEntries(lock.fence, `run-${process.pid}`, entries, Date.now(), view.version);
      appendFileSync(log, `released ${process.pid} ${lock.fence.epoch}\n`);
      return { account, status: 'posted', posted: posted.length, epoch: lock.fence.epoch };
    } finally {
      await lock.release();
    }
  } catch (err) {
    const status = err instanceof LockBusyError ? 'locked' : err instanceof AccountLostError ? 'lost' : 'error';
    return { account, status, posted: 0, error: err instanceof Error ? err.message : String(err) };
  }
}

const store = await openStore(`sqlite:${db}`);
try {
  say({ event: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    const [account, log] = line.trim().split(' ');
    if (account === undefined || log === undefined) continue;
    say(await contend(store, account, log));
  }
} finally {
  await store.close();
}
