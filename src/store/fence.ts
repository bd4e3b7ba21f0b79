// The fence check (issue 16), run as the first statement of every transaction that posts to the
// ledger, records write-back state or changes the pull cache: the account's lease epoch must still
// be the one this run's lock acquisition raised, and on PostgreSQL the run's lock session must still
// hold its advisory lock. Otherwise AccountLostError rolls the transaction back: nothing is posted
// or recorded by a run that no longer owns the account.

import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { AccountLostError } from '../ledger/errors.ts';
import type { Fence } from '../ledger/port.ts';
import { LOCK_NAMESPACE } from './account-lock.ts';
import type { Database } from './schema.ts';

export async function assertFence(trx: Kysely<Database>, fence: Fence, account = fence.account): Promise<void> {
  if (account !== fence.account) throw new Error(`fence of account ${fence.account} used for account ${account}`);
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  let query = trx.selectFrom('account_leases').select('epoch').where('account', '=', account);
  // PostgreSQL: the row lock makes a new acquisition (which raises the epoch) wait until this
  // transaction commits, so whatever this transaction posts is seen by the next holder. SQLite's
  // write transactions (BEGIN IMMEDIATE) are one at a time already.
  if (postgres) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  const epoch = row === undefined ? 0 : Number(row.epoch);
  if (epoch !== fence.epoch) {
    throw new AccountLostError(
      account,
      epoch > fence.epoch
        ? `another process took the account lock after this run did (lease epoch ${epoch}, this run's ${fence.epoch})`
        : `the account's lease is at epoch ${epoch}, not this run's ${fence.epoch}`,
    );
  }
  if (fence.session !== null) {
    const held = await sql<{ held: number }>`
      select 1 as held from pg_locks
      where locktype = 'advisory' and pid = ${fence.session} and classid = ${LOCK_NAMESPACE} and granted`.execute(trx);
    if (held.rows.length === 0)
      throw new AccountLostError(account, 'its lock session ended (the advisory lock is gone)');
  }
}
