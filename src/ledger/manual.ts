// Manual adjustments (issue 20, docs/finance-rules.md §5 "Manual entries"): a finance user
// proposes an entry for a partner; a different finance or admin identity approves it, and only
// then is it posted, as kind `manual` under `manual:{id}`, which the sync's target comparison
// never touches (plan.ts). A closed target month books it in the next open one, as CRM-driven
// differences are. Approval takes the account lock, like a sync's posting and a period close.

import { randomUUID } from 'node:crypto';
import { LEDGER_COMMISSION_LIMIT } from '../domain/commissions.ts';
import { formatMinor, parseDecimalToMinor } from '../domain/money.ts';
import { parseMonthLabel, TimeZone } from '../domain/time.ts';
import { LedgerInputError } from './errors.ts';
import { parseLedgerPeriod } from './exports.ts';
import { FINANCE_LOCK_WAIT_MS, sameIdentity, type FinanceDeps } from './finance-deps.ts';
import type { AdjustmentStatus, ManualAdjustment } from './finance-port.ts';
import { manualKey } from './keys.ts';
import { closedThrough, postingPeriod } from './plan.ts';
import type { LedgerEntry, NewLedgerEntry } from './types.ts';

export interface AdjustmentProposal {
  partnerId: string;
  /** Decimal in the program currency; negative allowed, zero refused. */
  amount: string;
  reason: string;
  /** What the partner reads on the statement (default: "Manual adjustment"). */
  description?: string | undefined;
  dealId?: string | undefined;
  period: string;
}

/** The longest reason or description kept (a statement line, not a letter). */
const TEXT_MAX = 500;

function text(field: string, value: string | undefined, required: boolean): string | null {
  const v = value?.trim() ?? '';
  if (v === '') {
    if (required) throw new LedgerInputError(`${field}: is required; say in words why the entry is booked`);
    return null;
  }
  if (v.length > TEXT_MAX) throw new LedgerInputError(`${field}: at most ${TEXT_MAX} characters (got ${v.length})`);
  return v;
}

export async function proposeAdjustment(
  deps: FinanceDeps,
  account: string,
  p: AdjustmentProposal,
  proposedBy: string,
): Promise<ManualAdjustment> {
  const { program } = deps.config;
  const now = deps.clock.now();
  const tz = new TimeZone(program.timezone);
  const period = parseLedgerPeriod(p.period);
  if ((parseMonthLabel(period) ?? 0) > tz.monthOf(now))
    throw new LedgerInputError(
      `period: ${period} has not started yet; book the entry in the current month or an earlier one`,
    );
  const trimmed = p.amount.trim();
  const amount = /^-?\d+(\.\d+)?$/.test(trimmed) ? parseDecimalToMinor(trimmed, program.exponent) : null;
  if (amount === null)
    throw new LedgerInputError(
      `amount: "${p.amount}" is not a decimal amount in ${program.currency}; write e.g. 250.00 or -40.00`,
    );
  if (amount === 0n) throw new LedgerInputError('amount: must not be zero');
  if (amount > LEDGER_COMMISSION_LIMIT || amount < -LEDGER_COMMISSION_LIMIT)
    throw new LedgerInputError(
      `amount: ${trimmed} is more than one ledger entry holds (at most ${formatMinor(LEDGER_COMMISSION_LIMIT, program.exponent)} ${program.currency} either way, docs/finance-rules.md §10.2); check the amount`,
    );
  const reason = text('reason', p.reason, true) as string;
  const description = text('description', p.description, false) ?? 'Manual adjustment';
  const cache = await deps.store.loadCache(account);
  const partner = cache.partners.find((x) => x.id === p.partnerId);
  // a partner the ledger already knows is fine too (one removed from the CRM since)
  const known = partner ?? (await deps.store.ledgerEntries(account, { partnerId: p.partnerId })).at(-1);
  if (known === undefined)
    throw new LedgerInputError(
      `partnerId: ${p.partnerId} is neither a partner in the CRM (as of the last sync) nor in the ledger; check the id`,
    );
  const partnerName = partner === undefined ? (known as LedgerEntry).partnerName : (partner.name ?? p.partnerId);
  let dealName: string | null = null;
  const dealId = p.dealId?.trim() === '' ? undefined : p.dealId?.trim();
  if (dealId !== undefined) {
    const deal = cache.deals.find((d) => d.id === dealId);
    if (deal === undefined)
      throw new LedgerInputError(`dealId: ${dealId} is not a deal in the CRM (as of the last sync); check the id`);
    dealName = deal.name ?? null;
  }
  const a: ManualAdjustment = {
    id: randomUUID(),
    partnerId: p.partnerId,
    partnerName,
    amount,
    reason,
    description,
    dealId: dealId ?? null,
    dealName,
    targetPeriod: period,
    status: 'proposed',
    proposedBy,
    proposedAt: now,
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
    entryId: null,
    bookedPeriod: null,
  };
  await deps.store.finance.insertAdjustment(account, a);
  await deps.audit('adjustment.propose', proposedBy, a.id, {
    partnerId: a.partnerId,
    amount: formatMinor(amount, program.exponent),
    period,
    reason,
    description,
    dealId: a.dealId,
  });
  return a;
}

/** The ledger entry an approved adjustment becomes (pure: the close state and instant come in). */
export function manualEntry(
  a: ManualAdjustment,
  o: { approvedBy: string; at: number; through: string | null; tz: TimeZone; exponent: number },
): NewLedgerEntry {
  const period = postingPeriod(a.targetPeriod, o.through);
  const amount = formatMinor(a.amount, o.exponent);
  let reason = `manual adjustment: ${a.reason} (proposed by ${a.proposedBy}, approved by ${o.approvedBy})`;
  if (period !== a.targetPeriod) reason += ` (period ${a.targetPeriod} is closed: booked in ${period})`;
  return {
    key: manualKey(a.id),
    kind: 'manual',
    period,
    originalPeriod: a.targetPeriod,
    partnerId: a.partnerId,
    partnerName: a.partnerName,
    dealId: a.dealId,
    dealName: a.dealName,
    amount: a.amount,
    // payable once approved (docs/finance-rules.md §10.4)
    payableAt: o.at,
    payableOn: o.tz.localDate(o.at),
    reason,
    inputs: {
      recipe: '',
      plan: '',
      planType: 'manual',
      basis: null,
      rateBps: null,
      tier: null,
      wonDealsForTier: null,
      dealAmount: null,
      dealCurrency: null,
      exchangeRate: null,
      baseAmount: null,
      attributionModel: '',
      role: null,
      commission: amount,
      instalment: 1,
      instalments: null,
      capped: false,
      target: amount,
      dealClosedAt: null,
      clawbackDays: 0,
      manual: {
        adjustmentId: a.id,
        proposedBy: a.proposedBy,
        approvedBy: o.approvedBy,
        reason: a.reason,
        description: a.description,
        targetPeriod: a.targetPeriod,
      },
    },
  };
}

async function proposed(deps: FinanceDeps, account: string, id: string): Promise<ManualAdjustment> {
  const a = await deps.store.finance.adjustment(account, id);
  if (a === null) throw new LedgerInputError(`adjustment ${id} does not exist`);
  if (a.status !== 'proposed')
    throw new LedgerInputError(`adjustment ${id} was already ${a.status} by ${a.decidedBy ?? '?'}`);
  return a;
}

export async function approveAdjustment(
  deps: FinanceDeps,
  account: string,
  id: string,
  approvedBy: string,
): Promise<{ adjustment: ManualAdjustment; entry: LedgerEntry }> {
  const first = await proposed(deps, account, id);
  if (sameIdentity(first.proposedBy, approvedBy))
    throw new LedgerInputError(
      `adjustment ${id}: ${approvedBy} proposed it and cannot approve it too; another finance or admin user must (four eyes)`,
    );
  const { program } = deps.config;
  const lock = await deps.store.lock(account, FINANCE_LOCK_WAIT_MS);
  try {
    const a = await proposed(deps, account, id);
    const at = deps.clock.now();
    const through = closedThrough(await deps.store.periodCloses(account));
    const entry = manualEntry(a, {
      approvedBy,
      at,
      through,
      tz: new TimeZone(program.timezone),
      exponent: program.exponent,
    });
    const posted = await deps.store.finance.approveAdjustment(lock.fence, id, approvedBy, at, entry);
    if (posted === null) throw new LedgerInputError(`adjustment ${id} was decided by someone else meanwhile`);
    await deps.audit('adjustment.approve', approvedBy, id, {
      partnerId: a.partnerId,
      amount: formatMinor(a.amount, program.exponent),
      entryId: posted.id,
      key: posted.key,
      bookedIn: posted.period,
      proposedBy: a.proposedBy,
    });
    return {
      adjustment: {
        ...a,
        status: 'approved',
        decidedBy: approvedBy,
        decidedAt: at,
        entryId: posted.id,
        bookedPeriod: posted.period,
      },
      entry: posted,
    };
  } finally {
    await lock.release();
  }
}

export async function rejectAdjustment(
  deps: FinanceDeps,
  account: string,
  id: string,
  rejectedBy: string,
  note: string,
): Promise<ManualAdjustment> {
  const a = await proposed(deps, account, id);
  const at = deps.clock.now();
  const why = note.trim().slice(0, TEXT_MAX);
  if (!(await deps.store.finance.rejectAdjustment(account, id, rejectedBy, at, why)))
    throw new LedgerInputError(`adjustment ${id} was decided by someone else meanwhile`);
  await deps.audit('adjustment.reject', rejectedBy, id, { partnerId: a.partnerId, note: why });
  return { ...a, status: 'rejected', decidedBy: rejectedBy, decidedAt: at, decisionNote: why };
}

/** Adjustments as JSON-friendly records (amounts as decimals). */
export function adjustmentView(a: ManualAdjustment, exponent: number): Record<string, unknown> {
  return {
    ...a,
    amount: formatMinor(a.amount, exponent),
    proposedAt: new Date(a.proposedAt).toISOString(),
    decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(),
  };
}

export async function listAdjustments(
  deps: FinanceDeps,
  account: string,
  status?: AdjustmentStatus,
): Promise<ManualAdjustment[]> {
  return deps.store.finance.adjustments(account, status);
}
