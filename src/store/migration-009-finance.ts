// Migration 009 (issue 20): manual ledger adjustments awaiting or after their second approval,
// payout runs with their lines and the ledger entries each line pays, and encrypted payee
// details. Money in bigint minor units, instants in ms since the epoch, as everywhere.

import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

type AnyDb = Kysely<unknown>;

export const v009Finance: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('manual_adjustments')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('partner_name', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('deal_id', 'text')
      .addColumn('deal_name', 'text')
      .addColumn('target_period', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('proposed_by', 'text', (c) => c.notNull())
      .addColumn('proposed_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('decision_note', 'text')
      .addColumn('entry_id', 'text')
      .addColumn('booked_period', 'text')
      .addPrimaryKeyConstraint('manual_adjustments_pk', ['account', 'id'])
      .execute();

    await db.schema
      .createTable('payout_runs')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('cutoff', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'bigint')
      .addColumn('cancelled_by', 'text')
      .addColumn('cancelled_at', 'bigint')
      .addPrimaryKeyConstraint('payout_runs_pk', ['account', 'id'])
      .execute();

    await db.schema
      .createTable('payout_lines')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('partner_name', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reference', 'text')
      .addColumn('settled_by', 'text')
      .addColumn('settled_at', 'bigint')
      .addPrimaryKeyConstraint('payout_lines_pk', ['account', 'id'])
      .execute();
    await db.schema.createIndex('payout_lines_run').on('payout_lines').columns(['account', 'run_id']).execute();

    await db.schema
      .createTable('payout_line_entries')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('line_id', 'text', (c) => c.notNull())
      .addColumn('entry_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('payout_line_entries_pk', ['account', 'line_id', 'entry_id'])
      .execute();
    await db.schema
      .createIndex('payout_line_entries_entry')
      .on('payout_line_entries')
      .columns(['account', 'entry_id'])
      .execute();

    await db.schema
      .createTable('payees')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('partner_id', 'text', (c) => c.notNull())
      // AES-256-GCM: base64 of iv | tag | ciphertext of the JSON details (src/ledger/payee-crypto.ts)
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('payees_pk', ['account', 'partner_id'])
      .execute();
  },
  async down(db: AnyDb) {
    for (const t of ['payees', 'payout_line_entries', 'payout_lines', 'payout_runs', 'manual_adjustments'])
      await db.schema.dropTable(t).execute();
  },
};
