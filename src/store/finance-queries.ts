// The finance tables of issue 20 over Kysely (migration 009): manual adjustments, payout runs,
// their lines and entries, sealed payee details. KyselyStore delegates to FinanceQueries. Every
// state change is a conditional update inside a transaction, so two finance users acting at
// once never both approve, and a paid line never changes.

import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  AdjustmentStatus,
  FinanceStore,
  ManualAdjustment,
  PayoutLine,
  PayoutRun,
  SealedPayee,
  SettleOutcome,
} from '../ledger/finance-port.ts';
import type { Fence } from '../ledger/port.ts';
import type { LedgerEntry, NewLedgerEntry } from '../ledger/types.ts';
import { assertFence } from './fence.ts';
import { addKeyTotals, ledgerEntryRow } from './ledger-rows.ts';
import type { Database, ManualAdjustmentRow, PayoutLineRow, PayoutRunRow } from './schema.ts';
import { toBig, toNum } from './row-values.ts';

const numOrNull = (v: bigint | number | string | null): number | null => (v === null ? null : toNum(v));

function adjustmentFromRow(r: Selectable<ManualAdjustmentRow>): ManualAdjustment {
  return {
    id: r.id,
    partnerId: r.partner_id,
    partnerName: r.partner_name,
    amount: toBig(r.amount),
    reason: r.reason,
    description: r.description,
    dealId: r.deal_id,
    dealName: r.deal_name,
    targetPeriod: r.target_period,
    status: r.status,
    proposedBy: r.proposed_by,
    proposedAt: toNum(r.proposed_at),
    decidedBy: r.decided_by,
    decidedAt: numOrNull(r.decided_at),
    decisionNote: r.decision_note,
    entryId: r.entry_id,
    bookedPeriod: r.booked_period,
  };
}

function lineFromRow(r: Selectable<PayoutLineRow>, entryIds: string[]): PayoutLine {
  return {
    id: r.id,
    runId: r.run_id,
    partnerId: r.partner_id,
    partnerName: r.partner_name,
    amount: toBig(r.amount),
    status: r.status,
    reference: r.reference,
    settledBy: r.settled_by,
    settledAt: numOrNull(r.settled_at),
    entryIds,
  };
}

function runFromRow(r: Selectable<PayoutRunRow>, lines: PayoutLine[]): PayoutRun {
  return {
    id: r.id,
    cutoff: r.cutoff,
    status: r.status,
    currency: r.currency,
    total: toBig(r.total),
    createdBy: r.created_by,
    createdAt: toNum(r.created_at),
    approvedBy: r.approved_by,
    approvedAt: numOrNull(r.approved_at),
    cancelledBy: r.cancelled_by,
    cancelledAt: numOrNull(r.cancelled_at),
    lines,
  };
}

/** Appends one entry as the account's next seq (inside the caller's transaction). */
async function appendEntry(
  trx: Transaction<Database>,
  account: string,
  runId: string,
  e: NewLedgerEntry,
  at: number,
): Promise<LedgerEntry> {
  const max = await trx
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('account', '=', account)
    .executeTakeFirst();
  const seq = (max?.seq == null ? 0 : toNum(max.seq)) + 1;
  const posted: LedgerEntry = { ...e, id: randomUUID(), seq, runId, postedAt: at };
  await trx.insertInto('ledger_entries').values(ledgerEntryRow(account, posted)).execute();
  await addKeyTotals(trx, account, [posted]);
  return posted;
}

export class FinanceQueries implements FinanceStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insertAdjustment(account: string, a: ManualAdjustment): Promise<void> {
    await this.#db
      .insertInto('manual_adjustments')
      .values({
        account,
        id: a.id,
        partner_id: a.partnerId,
        partner_name: a.partnerName,
        amount: a.amount,
        reason: a.reason,
        description: a.description,
        deal_id: a.dealId,
        deal_name: a.dealName,
        target_period: a.targetPeriod,
        status: a.status,
        proposed_by: a.proposedBy,
        proposed_at: a.proposedAt,
        decided_by: a.decidedBy,
        decided_at: a.decidedAt,
        decision_note: a.decisionNote,
        entry_id: a.entryId,
        booked_period: a.bookedPeriod,
      })
      .execute();
  }

  async adjustments(account: string, status?: AdjustmentStatus): Promise<ManualAdjustment[]> {
    let q = this.#db.selectFrom('manual_adjustments').selectAll().where('account', '=', account);
    if (status !== undefined) q = q.where('status', '=', status);
    const rows = await q.orderBy('proposed_at').orderBy('id').execute();
    return rows.map(adjustmentFromRow);
  }

  async adjustment(account: string, id: string): Promise<ManualAdjustment | null> {
    const r = await this.#db
      .selectFrom('manual_adjustments')
      .selectAll()
      .where('account', '=', account)
      .where('id', '=', id)
      .executeTakeFirst();
    return r === undefined ? null : adjustmentFromRow(r);
  }

  async approveAdjustment(
    fence: Fence,
    id: string,
    decidedBy: string,
    at: number,
    entry: NewLedgerEntry,
  ): Promise<LedgerEntry | null> {
    const account = fence.account;
    return this.#db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      const updated = await trx
        .updateTable('manual_adjustments')
        .set({ status: 'approved', decided_by: decidedBy, decided_at: at, booked_period: entry.period })
        .where('account', '=', account)
        .where('id', '=', id)
        .where('status', '=', 'proposed')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return null;
      const posted = await appendEntry(trx, account, `adjustment:${id}`, entry, at);
      await trx
        .updateTable('manual_adjustments')
        .set({ entry_id: posted.id })
        .where('account', '=', account)
        .where('id', '=', id)
        .execute();
      return posted;
    });
  }

  async rejectAdjustment(account: string, id: string, decidedBy: string, at: number, note: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('manual_adjustments')
      .set({ status: 'rejected', decided_by: decidedBy, decided_at: at, decision_note: note })
      .where('account', '=', account)
      .where('id', '=', id)
      .where('status', '=', 'proposed')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async allocatedEntryIds(account: string): Promise<Set<string>> {
    const rows = await this.#db
      .selectFrom('payout_line_entries as le')
      .innerJoin('payout_lines as l', (j) => j.onRef('l.account', '=', 'le.account').onRef('l.id', '=', 'le.line_id'))
      .select('le.entry_id')
      .where('le.account', '=', account)
      .where('l.status', 'in', ['pending', 'paid'])
      .execute();
    return new Set(rows.map((r) => r.entry_id));
  }

  async insertPayoutRun(fence: Fence, run: PayoutRun): Promise<void> {
    const account = fence.account;
    await this.#db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      await trx
        .insertInto('payout_runs')
        .values({
          account,
          id: run.id,
          cutoff: run.cutoff,
          status: run.status,
          currency: run.currency,
          total: run.total,
          created_by: run.createdBy,
          created_at: run.createdAt,
          approved_by: run.approvedBy,
          approved_at: run.approvedAt,
          cancelled_by: run.cancelledBy,
          cancelled_at: run.cancelledAt,
        })
        .execute();
      for (const l of run.lines) {
        await trx
          .insertInto('payout_lines')
          .values({
            account,
            id: l.id,
            run_id: run.id,
            partner_id: l.partnerId,
            partner_name: l.partnerName,
            amount: l.amount,
            status: l.status,
            reference: l.reference,
            settled_by: l.settledBy,
            settled_at: l.settledAt,
          })
          .execute();
        for (let i = 0; i < l.entryIds.length; i += 200)
          await trx
            .insertInto('payout_line_entries')
            .values(l.entryIds.slice(i, i + 200).map((entry_id) => ({ account, line_id: l.id, entry_id })))
            .execute();
      }
    });
  }

  async #runs(account: string, id?: string): Promise<PayoutRun[]> {
    let rq = this.#db.selectFrom('payout_runs').selectAll().where('account', '=', account);
    let lq = this.#db.selectFrom('payout_lines').selectAll().where('account', '=', account);
    let eq = this.#db
      .selectFrom('payout_line_entries as le')
      .innerJoin('payout_lines as l', (j) => j.onRef('l.account', '=', 'le.account').onRef('l.id', '=', 'le.line_id'))
      .select(['le.line_id', 'le.entry_id'])
      .where('le.account', '=', account);
    if (id !== undefined) {
      rq = rq.where('id', '=', id);
      lq = lq.where('run_id', '=', id);
      eq = eq.where('l.run_id', '=', id);
    }
    const [runs, lines, entries] = await Promise.all([
      rq.orderBy('created_at').orderBy('id').execute(),
      lq.orderBy('id').execute(),
      eq.orderBy('le.entry_id').execute(),
    ]);
    const byLine = new Map<string, string[]>();
    for (const e of entries) byLine.set(e.line_id, [...(byLine.get(e.line_id) ?? []), e.entry_id]);
    const byRun = new Map<string, PayoutLine[]>();
    for (const l of lines)
      byRun.set(l.run_id, [...(byRun.get(l.run_id) ?? []), lineFromRow(l, byLine.get(l.id) ?? [])]);
    return runs.map((r) => runFromRow(r, byRun.get(r.id) ?? []));
  }

  payoutRuns(account: string): Promise<PayoutRun[]> {
    return this.#runs(account);
  }

  async payoutRun(account: string, id: string): Promise<PayoutRun | null> {
    return (await this.#runs(account, id))[0] ?? null;
  }

  async approvePayoutRun(account: string, id: string, by: string, at: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('payout_runs')
      .set({ status: 'approved', approved_by: by, approved_at: at })
      .where('account', '=', account)
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async cancelPayoutRun(account: string, id: string, by: string, at: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('payout_runs')
        .set({ status: 'cancelled', cancelled_by: by, cancelled_at: at })
        .where('account', '=', account)
        .where('id', '=', id)
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('payout_lines')
        .set({ status: 'cancelled', settled_by: by, settled_at: at })
        .where('account', '=', account)
        .where('run_id', '=', id)
        .execute();
      return true;
    });
  }

  async settlePayoutLine(
    account: string,
    runId: string,
    lineId: string,
    status: 'paid' | 'failed',
    reference: string | null,
    by: string,
    at: number,
  ): Promise<SettleOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const line = await trx
        .selectFrom('payout_lines')
        .selectAll()
        .where('account', '=', account)
        .where('id', '=', lineId)
        .where('run_id', '=', runId)
        .executeTakeFirst();
      if (line === undefined) return 'not_found';
      if (line.status === status && (reference === null || line.reference === reference)) return 'unchanged';
      if (line.status !== 'pending') return 'final';
      const run = await trx
        .selectFrom('payout_runs')
        .select('status')
        .where('account', '=', account)
        .where('id', '=', runId)
        .executeTakeFirst();
      if (run?.status !== 'approved') return 'run_not_approved';
      const r = await trx
        .updateTable('payout_lines')
        .set({ status, reference, settled_by: by, settled_at: at })
        .where('account', '=', account)
        .where('id', '=', lineId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? 'settled' : 'final';
    });
  }

  async payee(account: string, partnerId: string): Promise<SealedPayee | null> {
    const r = await this.#db
      .selectFrom('payees')
      .selectAll()
      .where('account', '=', account)
      .where('partner_id', '=', partnerId)
      .executeTakeFirst();
    return r === undefined
      ? null
      : { partnerId: r.partner_id, sealed: r.sealed, updatedBy: r.updated_by, updatedAt: toNum(r.updated_at) };
  }

  async payees(account: string): Promise<SealedPayee[]> {
    const rows = await this.#db
      .selectFrom('payees')
      .selectAll()
      .where('account', '=', account)
      .orderBy('partner_id')
      .execute();
    return rows.map((r) => ({
      partnerId: r.partner_id,
      sealed: r.sealed,
      updatedBy: r.updated_by,
      updatedAt: toNum(r.updated_at),
    }));
  }

  async savePayee(account: string, p: SealedPayee): Promise<void> {
    await this.#db
      .insertInto('payees')
      .values({
        account,
        partner_id: p.partnerId,
        sealed: p.sealed,
        updated_by: p.updatedBy,
        updated_at: p.updatedAt,
      })
      .onConflict((oc) =>
        oc.columns(['account', 'partner_id']).doUpdateSet({
          sealed: p.sealed,
          updated_by: p.updatedBy,
          updated_at: p.updatedAt,
        }),
      )
      .execute();
  }
}
