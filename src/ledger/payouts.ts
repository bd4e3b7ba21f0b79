// Payout runs (issue 20): gather what is owed for a cut-off (payout-plan.ts), have a second
// finance user approve it, export the payment files, and mark each line paid or failed. Creating
// a run takes the account lock a sync and a period close take, so no posting interleaves with
// the gathering. Paid lines never change; failed and cancelled ones give their entries back.

import { formatMinor, parseDecimalToMinor } from '../domain/money.ts';
import { LedgerInputError } from './errors.ts';
import { FINANCE_LOCK_WAIT_MS, sameIdentity, type FinanceDeps } from './finance-deps.ts';
import type { PayoutLine, PayoutRun, SettleOutcome } from './finance-port.ts';
import { planPayout, type WaitingBalance } from './payout-plan.ts';
import { closedThrough } from './plan.ts';

export interface PayoutSettings {
  /** Decimal in the program currency. */
  minimum: string;
  holdPartners: readonly string[];
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function parseCutoff(text: string): string {
  if (!DATE.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)))
    throw new LedgerInputError(`cutoff: "${text}" is not a date; write YYYY-MM-DD (e.g. 2026-05-31)`);
  return text;
}

export interface CreatedRun {
  run: PayoutRun;
  waiting: WaitingBalance[];
}

export async function createPayoutRun(
  deps: FinanceDeps,
  account: string,
  cutoffText: string,
  createdBy: string,
  settings: PayoutSettings,
): Promise<CreatedRun> {
  const cutoff = parseCutoff(cutoffText);
  const { program } = deps.config;
  const minimum = parseDecimalToMinor(settings.minimum, program.exponent) ?? 0n;
  const lock = await deps.store.lock(account, FINANCE_LOCK_WAIT_MS);
  try {
    const [entries, allocated, closes, runs] = await Promise.all([
      deps.store.ledgerEntries(account, {}),
      deps.store.finance.allocatedEntryIds(account),
      deps.store.periodCloses(account),
      deps.store.finance.payoutRuns(account),
    ]);
    const through = closedThrough(closes);
    if (through === null)
      throw new LedgerInputError('no month is closed yet: payout runs pay closed months only; close a month first');
    const plan = planPayout({
      entries,
      allocated,
      closedThrough: through,
      cutoff,
      minimum,
      holdPartners: new Set(settings.holdPartners),
    });
    if (plan.lines.length === 0)
      throw new LedgerInputError(
        `nothing to pay for cut-off ${cutoff} (months closed through ${through})${plan.waiting.length === 0 ? '' : `: ${plan.waiting.map((w) => `${w.partnerId} ${formatMinor(w.amount, program.exponent)} (${w.reason.replace('_', ' ')})`).join(', ')} wait`}`,
      );
    // a stable, readable id: the cut-off and the run's number for that cut-off
    const sameCutoff = runs.filter((r) => r.cutoff === cutoff).length;
    const id = `PR-${cutoff.replaceAll('-', '')}-${String(sameCutoff + 1).padStart(2, '0')}`;
    const at = deps.clock.now();
    const lines: PayoutLine[] = plan.lines.map((l, i) => ({
      id: `${id}-${String(i + 1).padStart(3, '0')}`,
      runId: id,
      partnerId: l.partnerId,
      partnerName: l.partnerName,
      amount: l.amount,
      status: 'pending',
      reference: null,
      settledBy: null,
      settledAt: null,
      entryIds: l.entryIds,
    }));
    const run: PayoutRun = {
      id,
      cutoff,
      status: 'draft',
      currency: program.currency,
      total: lines.reduce((s, l) => s + l.amount, 0n),
      createdBy,
      createdAt: at,
      approvedBy: null,
      approvedAt: null,
      cancelledBy: null,
      cancelledAt: null,
      lines,
    };
    await deps.store.finance.insertPayoutRun(lock.fence, run);
    await deps.audit('payout.create', createdBy, id, {
      cutoff,
      total: formatMinor(run.total, program.exponent),
      lines: lines.length,
      waiting: plan.waiting.map((w) => ({
        partnerId: w.partnerId,
        amount: formatMinor(w.amount, program.exponent),
        reason: w.reason,
      })),
    });
    return { run, waiting: plan.waiting };
  } finally {
    await lock.release();
  }
}

async function runOf(deps: FinanceDeps, account: string, id: string): Promise<PayoutRun> {
  const run = await deps.store.finance.payoutRun(account, id);
  if (run === null) throw new LedgerInputError(`payout run ${id} does not exist`);
  return run;
}

export async function approvePayoutRun(
  deps: FinanceDeps,
  account: string,
  id: string,
  approvedBy: string,
): Promise<PayoutRun> {
  const run = await runOf(deps, account, id);
  if (run.status !== 'draft') throw new LedgerInputError(`payout run ${id} is ${run.status}, not a draft`);
  if (sameIdentity(run.createdBy, approvedBy))
    throw new LedgerInputError(
      `payout run ${id}: ${approvedBy} created it and cannot approve it too; another finance or admin user must (four eyes)`,
    );
  const at = deps.clock.now();
  if (!(await deps.store.finance.approvePayoutRun(account, id, approvedBy, at)))
    throw new LedgerInputError(`payout run ${id} was approved or cancelled by someone else meanwhile`);
  await deps.audit('payout.approve', approvedBy, id, {
    total: formatMinor(run.total, deps.config.program.exponent),
    lines: run.lines.length,
    createdBy: run.createdBy,
  });
  return { ...run, status: 'approved', approvedBy, approvedAt: at };
}

export async function cancelPayoutRun(deps: FinanceDeps, account: string, id: string, by: string): Promise<PayoutRun> {
  const run = await runOf(deps, account, id);
  if (run.status !== 'draft')
    throw new LedgerInputError(`payout run ${id} is ${run.status}: only a draft can be cancelled`);
  if (!(await deps.store.finance.cancelPayoutRun(account, id, by, deps.clock.now())))
    throw new LedgerInputError(`payout run ${id} was approved or cancelled by someone else meanwhile`);
  await deps.audit('payout.cancel', by, id, {});
  return runOf(deps, account, id);
}

export interface Settlement {
  runId: string;
  lineId: string;
  status: 'paid' | 'failed';
  reference: string | null;
}

export interface SettlementResult extends Settlement {
  outcome: SettleOutcome;
  message: string | null;
}

const OUTCOME_TEXT: Record<SettleOutcome, string | null> = {
  settled: null,
  unchanged: 'already marked so',
  not_found: 'no such line in this run',
  run_not_approved: 'the run is not approved: approve it before marking lines',
  final: 'the line is already paid or failed; paid lines never change, mark a new run instead',
};

/** Marks lines paid or failed; each line's outcome is reported, none stops the others. */
export async function settleLines(
  deps: FinanceDeps,
  account: string,
  items: readonly Settlement[],
  by: string,
): Promise<SettlementResult[]> {
  const out: SettlementResult[] = [];
  for (const s of items) {
    const at = deps.clock.now();
    const outcome = await deps.store.finance.settlePayoutLine(
      account,
      s.runId,
      s.lineId,
      s.status,
      s.reference,
      by,
      at,
    );
    if (outcome === 'settled')
      await deps.audit('payout.settle', by, s.lineId, { runId: s.runId, status: s.status, reference: s.reference });
    out.push({ ...s, outcome, message: OUTCOME_TEXT[outcome] });
  }
  return out;
}

/** A run as JSON: amounts as decimals, instants as ISO text. */
export function payoutRunView(run: PayoutRun, exponent: number): Record<string, unknown> {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  return {
    ...run,
    total: formatMinor(run.total, exponent),
    createdAt: iso(run.createdAt),
    approvedAt: iso(run.approvedAt),
    cancelledAt: iso(run.cancelledAt),
    lines: run.lines.map((l) => ({ ...l, amount: formatMinor(l.amount, exponent), settledAt: iso(l.settledAt) })),
  };
}

/** The unpaid balance per partner (entries no pending or paid line holds), as of now. */
export async function unpaidBalances(deps: FinanceDeps, account: string): Promise<Map<string, bigint>> {
  const [entries, allocated] = await Promise.all([
    deps.store.ledgerEntries(account, {}),
    deps.store.finance.allocatedEntryIds(account),
  ]);
  const out = new Map<string, bigint>();
  for (const e of entries) if (!allocated.has(e.id)) out.set(e.partnerId, (out.get(e.partnerId) ?? 0n) + e.amount);
  return out;
}
