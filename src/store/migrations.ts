// The one set of versioned migrations, for SQLite and PostgreSQL alike. Kysely's migrator
// records applied versions in kysely_migration and serialises concurrent starts (an advisory
// lock on PostgreSQL, the single connection on SQLite). Never edit a released migration: add
// the next version.

import { PostgresAdapter, sql, type Kysely, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { v009Finance } from './migration-009-finance.ts';
import { currentKey, inKeyTotals } from '../ledger/keys.ts';
import { dealRefs } from '../domain/deal-refs.ts';
import { partnerSortColumns } from './read-model-columns.ts';

// Kysely's schema builder is untyped on purpose (it runs before the tables exist).
type AnyDb = Kysely<unknown>;

const v001: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('accounts')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('as_of', 'bigint', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('runs_account_started').on('runs').columns(['account', 'started_at']).execute();

    await db.schema
      .createTable('checkpoints')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('cursor', 'text')
      .addColumn('pull_id', 'text', (c) => c.notNull())
      .addColumn('pull_mode', 'text', (c) => c.notNull())
      .addColumn('pull_done', 'integer', (c) => c.notNull())
      .addColumn('pages', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    for (const table of ['cached_partners', 'cached_deals'] as const) {
      let t = db.schema
        .createTable(table)
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text');
      if (table === 'cached_deals') t = t.addColumn('stage', 'text').addColumn('customer_id', 'text');
      await t
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('written', 'text', (c) => c.notNull())
        .addColumn('seen_pull', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['account', 'id'])
        .execute();
    }

    await db.schema
      .createTable('ledger_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('original_period', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('partner_name', 'text', (c) => c.notNull())
      .addColumn('deal_id', 'text')
      .addColumn('deal_name', 'text')
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('payable_at', 'bigint', (c) => c.notNull())
      .addColumn('payable_on', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('posted_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('ledger_entries_account_seq', ['account', 'seq'])
      // one posting per key per run: a retried run can never post the same difference twice
      .addUniqueConstraint('ledger_entries_run_key', ['account', 'run_id', 'key'])
      .execute();
    await db.schema.createIndex('ledger_entries_key').on('ledger_entries').columns(['account', 'key']).execute();
    await db.schema.createIndex('ledger_entries_period').on('ledger_entries').columns(['account', 'period']).execute();

    await db.schema
      .createTable('period_closes')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('period_closes_pk', ['account', 'period'])
      .execute();

    await db.schema
      .createTable('alert_episodes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('alert_key', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text')
      .addColumn('deal_id', 'text')
      .addColumn('recipe', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('opened_run', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .addColumn('resolved_run', 'text')
      .execute();
    // at most one open episode per alert
    await db.schema
      .createIndex('alert_episodes_open')
      .on('alert_episodes')
      .columns(['account', 'alert_key'])
      .unique()
      .where(sql.ref('resolved_at'), 'is', null)
      .execute();

    await db.schema
      .createTable('partner_state')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('health_score', 'bigint')
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('partner_state_pk', ['account', 'partner_id'])
      .execute();

    await db.schema
      .createTable('task_outbox')
      .addColumn('marker', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('episode_id', 'text', (c) => c.notNull().unique())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('deal_id', 'text')
      .addColumn('owner_id', 'text')
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .execute();
    await db.schema.createIndex('task_outbox_status').on('task_outbox').columns(['account', 'status']).execute();

    await db.schema
      .createTable('write_state')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('object', 'text', (c) => c.notNull())
      .addColumn('record_id', 'text', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('write_state_status').on('write_state').columns(['account', 'status']).execute();
  },
};

/** Credentials a CRM rotates (a Salesforce refresh token): kept so a restart does not use a revoked one. */
const v002: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('credentials')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('basis', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('credentials').execute();
  },
};

/** Where each change-event source stands (a journal offset, a replay id per channel), per account. */
const v003: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('event_checkpoints')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_checkpoints_pk', ['account', 'key'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('event_checkpoints').execute();
  },
};

/**
 * Notifications (issue 18): events keyed per account (an alert episode notifies once), their
 * deliveries per channel and recipient (the outbox the dispatcher sends from, retried with
 * backoff, leased so two instances never send the same row at once), a little per-account state
 * (the commission.payable watermark), and the audit log.
 */
const v004: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('notification_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('notification_events_key', ['account', 'key'])
      .execute();
    await db.schema
      .createIndex('notification_events_created')
      .on('notification_events')
      .columns(['account', 'created_at'])
      .execute();

    await db.schema
      .createTable('notification_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('message_id', 'text')
      .addColumn('parent_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // one delivery per event, channel and recipient: re-planning or re-expanding adds nothing
      .addUniqueConstraint('notification_deliveries_target', ['event_id', 'channel', 'recipient'])
      .execute();
    await db.schema
      .createIndex('notification_deliveries_due')
      .on('notification_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('notification_deliveries_event')
      .on('notification_deliveries')
      .columns(['event_id'])
      .execute();

    await db.schema
      .createTable('notification_state')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_state_pk', ['account', 'name'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // order of recording (entries of one instant keep their order)
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'seq']).execute();
    await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'at']).execute();
  },
  async down(db: AnyDb) {
    for (const t of ['audit_log', 'notification_state', 'notification_deliveries', 'notification_events'])
      await db.schema.dropTable(t).execute();
  },
};

/**
 * Account leases (issue 16): the fencing token of the per-account lock. Every acquisition raises
 * `epoch`; a run's posting and write-back bookkeeping transactions check it, so a run that lost
 * the account (its lock taken over or its lock session gone) can no longer post or record writes.
 */
const v005: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('account_leases')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('epoch', 'bigint', (c) => c.notNull())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('account_leases').execute();
  },
};

/**
 * Write refusals (issue 14): the records and tasks the CRM refused for what they held (HubSpot's
 * portal validation rules), one row per record with what was sent, the properties named and the
 * CRM's message. A sync holds back an unchanged refused write for a day (docs/crm-notes.md).
 */
const v007: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('write_refusals')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('object', 'text', (c) => c.notNull())
      .addColumn('record_id', 'text', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('write_refusals_pk', ['account', 'object', 'record_id'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('write_refusals').execute();
  },
};

/** Partner users, their sign-in links and the registrations they submit (issue 19). */
const v008: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('partner_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('invited_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('last_sign_in_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('partner_users_partner')
      .on('partner_users')
      .columns(['account', 'partner_id'])
      .execute();
    await db.schema.createIndex('partner_users_email').on('partner_users').columns(['account', 'email']).execute();
    await db.schema
      .createTable('partner_signin_links')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('partner_registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('idem_key', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('submitted_at', 'bigint', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('deal_id', 'text')
      .addColumn('placement', 'text')
      .addColumn('error', 'text')
      .addColumn('status', 'text')
      .addColumn('reason', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // one registration per form: a double click or a retry finds the first
      .addUniqueConstraint('partner_registrations_idem', ['account', 'user_id', 'idem_key'])
      .execute();
    await db.schema
      .createIndex('partner_registrations_partner')
      .on('partner_registrations')
      .columns(['account', 'partner_id', 'created_at'])
      .execute();
  },
  async down(db: AnyDb) {
    for (const t of ['partner_registrations', 'partner_signin_links', 'partner_users'])
      await db.schema.dropTable(t).execute();
  },
};

/**
 * Issue 21: columns the paged partner list filters on in the store (recipe on the cached
 * partner, band and tier of the last run's result), filled from the JSON already stored.
 */
const v010: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('cached_partners').addColumn('recipe', 'text').execute();
    await db.schema.alterTable('partner_state').addColumn('band', 'text').execute();
    await db.schema.alterTable('partner_state').addColumn('tier', 'text').execute();
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const partners = await sql<{ account: string; id: string; record: string }>`
      select account, id, record from cached_partners`.execute(db);
    for (const r of partners.rows) {
      const recipe = text((JSON.parse(r.record) as { recipe?: unknown }).recipe);
      await sql`update cached_partners set recipe = ${recipe} where account = ${r.account} and id = ${r.id}`.execute(
        db,
      );
    }
    const states = await sql<{ account: string; partner_id: string; result: string }>`
      select account, partner_id, result from partner_state`.execute(db);
    for (const r of states.rows) {
      const out = JSON.parse(r.result) as { health?: { band?: unknown }; tier?: unknown } | null;
      await sql`update partner_state set band = ${text(out?.health?.band)}, tier = ${text(out?.tier)}
        where account = ${r.account} and partner_id = ${r.partner_id}`.execute(db);
    }
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('partner_state').dropColumn('tier').execute();
    await db.schema.alterTable('partner_state').dropColumn('band').execute();
    await db.schema.alterTable('cached_partners').dropColumn('recipe').execute();
  },
};

/**
 * Issue 21: read models written by each sync run (src/sync/read-models.ts), so dashboard pages
 * and /v1 reads never run the engine: a head per account (the run they are of), a period's
 * aggregates, and one row per partner and period with the list filters as columns.
 */
const v011: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('read_model_heads')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('as_of', 'bigint', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('written_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('read_model_periods')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('read_model_periods_pk', ['account', 'period'])
      .execute();
    await db.schema
      .createTable('read_model_partners')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('recipe', 'text')
      .addColumn('band', 'text')
      .addColumn('tier', 'text')
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('read_model_partners_pk', ['account', 'period', 'partner_id'])
      .execute();
    // a partner's open alerts (partner page, a page of /v1/partners) without reading them all
    await db.schema
      .createIndex('alert_episodes_partner')
      .on('alert_episodes')
      .columns(['account', 'partner_id'])
      .execute();
    // a ledger month's count, net, and sums per kind and payable date, read from the index alone
    await db.schema
      .createIndex('ledger_entries_period_amount')
      .on('ledger_entries')
      .columns(['account', 'period', 'kind', 'payable_at', 'amount'])
      .execute();
    // one partner's months (the partner page's history) without scanning every period
    await db.schema
      .createIndex('read_model_partners_by_partner')
      .on('read_model_partners')
      .columns(['account', 'partner_id', 'period'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('alert_episodes_partner').execute();
    await db.schema.dropIndex('ledger_entries_period_amount').execute();
    for (const t of ['read_model_partners', 'read_model_periods', 'read_model_heads'])
      await db.schema.dropTable(t).execute();
  },
};

/** Sums the posted entries (of one account, or all) into ledger_key_totals, which holds none of theirs yet. */
export async function fillLedgerKeyTotals(db: QueryExecutorProvider, account?: string): Promise<void> {
  const sums = new Map<string, { account: string; key: string; posted: bigint }>();
  const where = account === undefined ? sql`` : sql`where account = ${account}`;
  const rows = await sql<{ account: string; key: string; deal_id: string | null; kind: string; amount: unknown }>`
      select account, key, deal_id, kind, amount from ledger_entries ${where}`.execute(db);
  for (const r of rows.rows) {
    if (!inKeyTotals(r.key, r.kind)) continue;
    const key = currentKey(r.key, r.deal_id);
    const id = `${r.account}\u0000${key}`;
    const sum = sums.get(id) ?? { account: r.account, key, posted: 0n };
    sum.posted += BigInt(r.amount as bigint | number | string);
    sums.set(id, sum);
  }
  const all = [...sums.values()];
  for (let i = 0; i < all.length; i += 500) {
    const values = all.slice(i, i + 500).map((r) => sql`(${r.account}, ${r.key}, ${r.posted})`);
    await sql`insert into ledger_key_totals (account, key, posted) values ${sql.join(values)}`.execute(db);
  }
}

/**
 * Issue 21: the running total per ledger key (src/store/ledger-rows.ts addKeyTotals), filled from
 * the entries already posted, so a run reads full balances only for keys whose target moved.
 */
const v012: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('ledger_key_totals')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('posted', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_key_totals_pk', ['account', 'key'])
      .execute();
    await fillLedgerKeyTotals(db);
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('ledger_key_totals').execute();
  },
};

/** Issue 21: the idle-run mark of the last computing run per account (schema.ts ComputeMarkRow). */
const v013: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('compute_marks')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('due', 'bigint', (c) => c.notNull())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addColumn('ledger_closes', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('compute_marks').execute();
  },
};

/** Fills deal_partner_refs from the cached deals (of one account, or all). */
export async function fillDealPartnerRefs(db: QueryExecutorProvider, account?: string): Promise<void> {
  const where = account === undefined ? sql`` : sql`where account = ${account}`;
  const rows = await sql<{ account: string; id: string; record: string }>`
      select account, id, record from cached_deals ${where}`.execute(db);
  const refs = rows.rows.flatMap((r) =>
    dealRefs(JSON.parse(r.record) as Record<string, unknown>).map((x) => [r.account, r.id, x.partnerId, x.role]),
  );
  for (let i = 0; i < refs.length; i += 500) {
    const values = refs.slice(i, i + 500).map(([a, d, p, role]) => sql`(${a}, ${d}, ${p}, ${role})`);
    await sql`insert into deal_partner_refs (account, deal_id, partner_id, role) values ${sql.join(values)}`.execute(
      db,
    );
  }
}

/** Sets the partner and deal of each ledger key total (of one account, or all) from its entries. */
export async function fillLedgerKeyPartners(db: QueryExecutorProvider, account?: string): Promise<void> {
  const where = account === undefined ? sql`` : sql`where account = ${account}`;
  // every entry of a key names the same partner and deal (both are part of the key)
  const rows = await sql<{ account: string; key: string; deal_id: string | null; partner_id: string; kind: string }>`
      select account, key, deal_id, partner_id, kind from ledger_entries ${where}`.execute(db);
  const seen = new Set<string>();
  for (const r of rows.rows) {
    if (!inKeyTotals(r.key, r.kind)) continue;
    const key = currentKey(r.key, r.deal_id);
    if (seen.has(`${r.account}\u0000${key}`)) continue;
    seen.add(`${r.account}\u0000${key}`);
    await sql`update ledger_key_totals set partner_id = ${r.partner_id}, deal_id = ${r.deal_id}
        where account = ${r.account} and key = ${key}`.execute(db);
  }
}

/**
 * Issue 21, scoped runs: which cached deals name a partner (deal_partner_refs: source,
 * registration, touch; known partners or not), the open deals of a customer, and the partner and
 * deal of each ledger key total, so a run that changed a few records finds everything they can
 * move by index instead of loading the account.
 */
const v014: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('deal_partner_refs')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('deal_partner_refs_pk', ['account', 'deal_id', 'role', 'partner_id'])
      .execute();
    await db.schema
      .createIndex('deal_partner_refs_partner')
      .on('deal_partner_refs')
      .columns(['account', 'partner_id', 'role'])
      .execute();
    await db.schema
      .createIndex('cached_deals_customer')
      .on('cached_deals')
      .columns(['account', 'customer_id'])
      .execute();
    await fillDealPartnerRefs(db);
    await db.schema.alterTable('ledger_key_totals').addColumn('partner_id', 'text').execute();
    await db.schema.alterTable('ledger_key_totals').addColumn('deal_id', 'text').execute();
    await db.schema
      .createIndex('ledger_key_totals_partner')
      .on('ledger_key_totals')
      .columns(['account', 'partner_id'])
      .execute();
    await fillLedgerKeyPartners(db);
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('ledger_key_totals_partner').execute();
    await db.schema.alterTable('ledger_key_totals').dropColumn('deal_id').execute();
    await db.schema.alterTable('ledger_key_totals').dropColumn('partner_id').execute();
    await db.schema.dropIndex('cached_deals_customer').execute();
    await db.schema.dropTable('deal_partner_refs').execute();
  },
};

/**
 * Issue 21: what a scoped run needs to bring the read models forward without the whole account
 * (src/sync/read-model-scope.ts): each partner row's figures as columns (the sums behind the
 * period aggregates, and the attributed revenue topPartners ranks by), one row per deal that is
 * won or classified under a recipe (totalWonRevenue per month, each recipe's last deal), and a
 * flag on the head saying its run wrote both. Rows written before it have no figures: the head
 * is not scopable until the next full build.
 */
const v015: Migration = {
  async up(db: AnyDb) {
    for (const [column, type] of [
      ['sourced', 'bigint'],
      ['attributed', 'bigint'],
      ['commissions', 'bigint'],
      ['cost', 'bigint'],
      ['won', 'integer'],
      ['lost', 'integer'],
      ['last_activity', 'bigint'],
      ['onboarded', 'bigint'],
    ] as const)
      await db.schema.alterTable('read_model_partners').addColumn(column, type).execute();
    await db.schema
      .alterTable('read_model_heads')
      .addColumn('scopable', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('read_model_deals')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('won_month', 'integer')
      .addColumn('amount', 'bigint')
      .addColumn('recipe', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('read_model_deals_pk', ['account', 'deal_id'])
      .execute();
    // a recipe's last deals, newest first, without scanning the account's deals
    await db.schema
      .createIndex('read_model_deals_recipe')
      .on('read_model_deals')
      .columns(['account', 'recipe', 'created_at'])
      .execute();
    // a period's partners by attributed revenue (topPartners) without reading every row
    await db.schema
      .createIndex('read_model_partners_attributed')
      .on('read_model_partners')
      .columns(['account', 'period', 'attributed'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('read_model_partners_attributed').execute();
    await db.schema.dropTable('read_model_deals').execute();
    await db.schema.alterTable('read_model_heads').dropColumn('scopable').execute();
    for (const column of ['sourced', 'attributed', 'commissions', 'cost', 'won', 'lost', 'last_activity', 'onboarded'])
      await db.schema.alterTable('read_model_partners').dropColumn(column).execute();
  },
};

/** The sort columns migration 016 adds to read_model_partners (read-model-columns.ts). */
const SORT_COLUMNS = [
  ['sort_name', 'text'],
  ['score', 'bigint'],
  ['tier_rank', 'bigint'],
  ['fit', 'bigint'],
  ['sort_attributed', 'bigint'],
  ['win_rate', 'bigint'],
  ['sort_last_activity', 'bigint'],
] as const;

/**
 * Indexes of read_model_partners for the partner list (read-model-columns.ts): one per sort key
 * with many distinct values (a page reads its ids in order from it), and one holding every
 * filter and sort column (band, tier, recipe first), which answers filtered counts and the
 * sorts by recipe and tier (few distinct values) without reading a row's body.
 */
const SORT_INDEXES: readonly (readonly [string, readonly string[]])[] = [
  ['read_model_partners_by_name', ['sort_name']],
  ['read_model_partners_by_score', ['score', 'sort_name']],
  ['read_model_partners_by_fit', ['fit', 'sort_name']],
  ['read_model_partners_by_attributed', ['sort_attributed', 'sort_name']],
  ['read_model_partners_by_win_rate', ['win_rate', 'sort_name']],
  ['read_model_partners_by_last_activity', ['sort_last_activity', 'sort_name']],
  [
    'read_model_partners_filters',
    [
      'band',
      'tier',
      'recipe',
      'score',
      'tier_rank',
      'fit',
      'sort_attributed',
      'win_rate',
      'sort_last_activity',
      'sort_name',
    ],
  ],
];

/**
 * Fills migration 016's sort columns from the stored rows (read-model-columns.ts, the function
 * the writer uses): pages of `batch` rows in key order, so a large store is never read at once,
 * each page written by one UPDATE … FROM (VALUES …) instead of one statement per row (issue 21:
 * 280,000 rows took about 80 s one by one). On SQLite, where the migration runs outside a
 * transaction, ten pages share one (a commit per statement cost more than the statements);
 * PostgreSQL runs the whole migration in one. Returns the rows filled; exported for its test.
 */
export async function backfillSortColumns(db: AnyDb, batch = 1000): Promise<number> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  // PostgreSQL types a VALUES list from its parameters: say what each column holds
  const typed = (v: unknown, type: 'text' | 'bigint'): RawBuilder<unknown> =>
    pg ? sql`cast(${v} as ${sql.raw(type)})` : sql`${v}`;
  type Key = { account: string; period: string; partner_id: string };
  /** One page after `from`: the rows filled and the last key, or null after the last page. */
  const page = async (on: AnyDb, from: Key | null): Promise<{ filled: number; last: Key | null }> => {
    const where: RawBuilder<unknown> =
      from === null
        ? sql``
        : sql`where (account, period, partner_id) > (${from.account}, ${from.period}, ${from.partner_id})`;
    const { rows }: { rows: (Key & { name: string; body: string })[] } = await sql<
      Key & { name: string; body: string }
    >`
      select account, period, partner_id, name, body from read_model_partners ${where}
      order by account, period, partner_id limit ${batch}`.execute(on);
    if (rows.length === 0) return { filled: 0, last: null };
    const values = rows.map((r) => {
      const c = partnerSortColumns(r.name, JSON.parse(r.body) as unknown);
      return sql`(${typed(r.account, 'text')}, ${typed(r.period, 'text')}, ${typed(r.partner_id, 'text')},
        ${typed(c.sort_name, 'text')}, ${typed(c.score, 'bigint')}, ${typed(c.tier_rank, 'bigint')}, ${typed(c.fit, 'bigint')},
        ${typed(c.sort_attributed, 'bigint')}, ${typed(c.win_rate, 'bigint')}, ${typed(c.sort_last_activity, 'bigint')})`;
    });
    // VALUES columns are column1, column2, … on both databases
    await sql`update read_model_partners set sort_name = v.column4, score = v.column5, tier_rank = v.column6,
        fit = v.column7, sort_attributed = v.column8, win_rate = v.column9, sort_last_activity = v.column10
      from (values ${sql.join(values)}) as v
      where read_model_partners.account = v.column1 and read_model_partners.period = v.column2
        and read_model_partners.partner_id = v.column3`.execute(on);
    const last = rows.at(-1);
    return { filled: rows.length, last: last === undefined || rows.length < batch ? null : last };
  };
  /** Up to `pages` pages after `from` on one connection (a transaction on SQLite). */
  const pages = async (on: AnyDb, from: Key | null, count: number): Promise<{ filled: number; last: Key | null }> => {
    let filled = 0;
    let last: Key | null = from;
    for (let i = 0; i < count; i++) {
      const p = await page(on, last);
      filled += p.filled;
      last = p.last;
      if (last === null) break;
    }
    return { filled, last };
  };
  // fresh statistics: with a table it thinks small, PostgreSQL would scan all of it for every
  // page instead of finding each page's rows through the primary key
  if (pg) await sql`analyze read_model_partners`.execute(db);
  let filled = 0;
  let after: Key | null = null;
  do {
    const from: Key | null = after;
    const done: { filled: number; last: Key | null } = pg
      ? await pages(db, from, Number.MAX_SAFE_INTEGER)
      : await db.transaction().execute((trx) => pages(trx, from, 10));
    filled += done.filled;
    after = done.last;
  } while (after !== null);
  return filled;
}

/**
 * Issue 21: the dashboard's partner list pages, sorts and filters in the store
 * (KyselyStore.readModelPartnerPage): one column per sort key, filled from the stored bodies,
 * and an index per key (account, period, key, name, id) so a page reads its rows in order. And
 * the ledger's months with their count and net (ledger_period_totals), filled from the entries.
 */
const v016: Migration = {
  async up(db: AnyDb) {
    for (const [name, type] of SORT_COLUMNS)
      await db.schema.alterTable('read_model_partners').addColumn(name, type).execute();
    await backfillSortColumns(db);
    for (const [name, cols] of SORT_INDEXES)
      await db.schema
        .createIndex(name)
        .on('read_model_partners')
        .columns(['account', 'period', ...cols, 'partner_id'])
        .execute();
    // the ledger's months with their count and net, kept by every writer (ledger-rows.ts addPeriodTotals)
    await db.schema
      .createTable('ledger_period_totals')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('entries', 'bigint', (c) => c.notNull())
      .addColumn('net', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_period_totals_pk', ['account', 'period'])
      .execute();
    await sql`insert into ledger_period_totals (account, period, entries, net)
      select account, period, count(*), sum(amount) from ledger_entries group by account, period`.execute(db);
    // one partner's entries of a month (the partner page's commissions, the partner's statement)
    // without reading every entry of the month
    await db.schema
      .createIndex('ledger_entries_partner_period')
      .on('ledger_entries')
      .columns(['account', 'partner_id', 'period'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('ledger_entries_partner_period').execute();
    await db.schema.dropTable('ledger_period_totals').execute();
    for (const [name] of SORT_INDEXES) await db.schema.dropIndex(name).execute();
    for (const [name] of SORT_COLUMNS) await db.schema.alterTable('read_model_partners').dropColumn(name).execute();
  },
};

/**
 * Issue 21: when time alone next changes each partner's outputs (src/domain/due.ts dueParts),
 * written by computing runs with their idle mark; the index finds the partners due by an instant.
 */
const v017: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('partner_dues')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('due', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('partner_dues_pk', ['account', 'partner_id'])
      .execute();
    await db.schema.createIndex('partner_dues_by_due').on('partner_dues').columns(['account', 'due']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('partner_dues').execute();
  },
};

const OPEN_EPISODE_INDEXES = [
  ['alert_episodes_open_partner', 'partner_id'],
  ['alert_episodes_open_deal', 'deal_id'],
  ['alert_episodes_open_code', 'code'],
] as const;

/**
 * Issue 21: a scoped run reads the open episodes of its subjects only (src/sync/run-sync.ts): by
 * partner, by deal and by code (RECIPE_UNUSED), each from an index over open episodes alone, so
 * neither the account's open episodes nor its resolved ones are visited. And the deals naming some
 * partners (store.dealsNaming) from an index that holds the deal too: with 014's (account,
 * partner_id, role), SQLite took the primary key's covering index on the account alone and read
 * every reference of the account on each call (30–40 ms at 100,000 deals); this one replaces it.
 */
const v018: Migration = {
  async up(db: AnyDb) {
    for (const [name, column] of OPEN_EPISODE_INDEXES)
      await db.schema
        .createIndex(name)
        .on('alert_episodes')
        .columns(['account', column])
        .where(sql.ref('resolved_at'), 'is', null)
        .execute();
    await db.schema
      .createIndex('deal_partner_refs_partner_deal')
      .on('deal_partner_refs')
      .columns(['account', 'partner_id', 'role', 'deal_id'])
      .execute();
    await db.schema.dropIndex('deal_partner_refs_partner').execute();
  },
  async down(db: AnyDb) {
    await db.schema
      .createIndex('deal_partner_refs_partner')
      .on('deal_partner_refs')
      .columns(['account', 'partner_id', 'role'])
      .execute();
    await db.schema.dropIndex('deal_partner_refs_partner_deal').execute();
    for (const [name] of OPEN_EPISODE_INDEXES) await db.schema.dropIndex(name).execute();
  },
};

/** Versions in order; the name is the version recorded in kysely_migration. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-initial': v001,
  '002-credentials': v002,
  '003-event-checkpoints': v003,
  '004-notifications-audit': v004,
  '005-account-leases': v005,
  '007-write-refusals': v007,
  '008-partner-portal': v008,
  '009-finance': v009Finance,
  '010-partner-list-columns': v010,
  '011-read-models': v011,
  '012-ledger-key-totals': v012,
  '013-compute-marks': v013,
  '014-scoped-index': v014,
  '015-read-model-scope': v015,
  '016-dashboard-reads': v016,
  '017-partner-dues': v017,
  '018-open-episode-subjects': v018,
};

class StaticProvider implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve({ ...MIGRATIONS });
  }
}

/**
 * The migrator of this database. On PostgreSQL its tables live in the connection's current
 * schema: Kysely looks for them in every schema otherwise, and a second partnersync schema in
 * the same database (search_path set in the URL) would find the first one's and skip creating its own.
 */
async function migratorOf(db: AnyDb): Promise<Migrator> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter))
    return new Migrator({ db, provider: new StaticProvider() });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined) throw new Error('PostgreSQL: no current schema; set search_path to an existing schema');
  return new Migrator({ db, provider: new StaticProvider(), migrationTableSchema: schema });
}

/** Applies every migration not applied yet; returns the versions applied now. */
export async function migrateToLatest(db: AnyDb): Promise<string[]> {
  const migrator = await migratorOf(db);
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `store migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Versions recorded as applied (for `store` diagnostics and tests). */
export async function appliedMigrations(db: AnyDb): Promise<string[]> {
  const migrator = await migratorOf(db);
  return (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
