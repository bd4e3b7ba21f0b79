// Reconciliation (issue 20): the ledger, the commission exports, the statements and the payout
// runs must tell the same story, per partner and in total. For each month checked, the ledger's
// entries, the export's lines and totals and the statements' totals agree; over the whole
// ledger, what each partner earned equals what payout lines paid or hold plus the unpaid
// balance, and every line's amount is the sum of the entries it pays. The entries are numbered
// 1, 2, … per account: a gap is an entry removed. Every difference is named.

import { formatMinor, parseDecimalToMinor } from '../domain/money.ts';
import { commissionExport, parseLedgerPeriod, statements } from './exports.ts';
import type { FinanceDeps } from './finance-deps.ts';
import type { LedgerEntry } from './types.ts';

export interface Difference {
  check: 'sequence' | 'export' | 'statement' | 'payout-line' | 'payout-balance';
  period: string | null;
  partnerId: string | null;
  message: string;
}

export interface PartnerBalance {
  partnerId: string;
  earned: string;
  paid: string;
  pending: string;
  unpaid: string;
}

export interface Reconciliation {
  ok: boolean;
  periods: string[];
  entries: number;
  partners: PartnerBalance[];
  total: { earned: string; paid: string; pending: string; unpaid: string };
  differences: Difference[];
}

const add = (m: Map<string, bigint>, k: string, v: bigint): void => {
  m.set(k, (m.get(k) ?? 0n) + v);
};

export async function reconcile(deps: FinanceDeps, account: string, periodText?: string): Promise<Reconciliation> {
  const only = periodText === undefined ? undefined : parseLedgerPeriod(periodText);
  const { exponent } = deps.config.program;
  const f = (v: bigint): string => formatMinor(v, exponent);
  const dec = (s: string): bigint => parseDecimalToMinor(s, exponent) ?? 0n;
  const all = await deps.store.ledgerEntries(account, {});
  const differences: Difference[] = [];

  // entries are numbered 1..n per account: a gap or a repeat means one was removed or copied
  const seqs = all.map((e) => e.seq).sort((a, b) => a - b);
  let prev = 0;
  for (const s of seqs) {
    const message =
      s === prev
        ? `ledger: entry number ${s} appears twice`
        : s !== prev + 1
          ? `ledger: entry number ${prev + 1}${s > prev + 2 ? ` to ${s - 1}` : ''} missing (next is ${s})`
          : null;
    if (message !== null) differences.push({ check: 'sequence', period: null, partnerId: null, message });
    prev = s;
  }

  const periods = only !== undefined ? [only] : [...new Set(all.map((e) => e.period))].sort();
  for (const period of periods) {
    const ledger = new Map<string, bigint>();
    let ledgerTotal = 0n;
    for (const e of all)
      if (e.period === period) {
        add(ledger, e.partnerId, e.amount);
        ledgerTotal += e.amount;
      }
    const x = await commissionExport(deps, account, period);
    const exported = new Map<string, bigint>();
    for (const l of x.entries) add(exported, l.partnerId, dec(l.amount));
    const s = await statements(deps, account, period);
    const stated = new Map(s.partners.map((p) => [p.partnerId, dec(p.totals.net)]));
    const partners = [...new Set([...ledger.keys(), ...exported.keys(), ...stated.keys()])].sort();
    for (const p of partners) {
      const l = ledger.get(p) ?? 0n;
      const ex = exported.get(p) ?? 0n;
      const st = stated.get(p) ?? 0n;
      if (ex !== l)
        differences.push({
          check: 'export',
          period,
          partnerId: p,
          message: `${period} ${p}: ledger ${f(l)}, export ${f(ex)}`,
        });
      if (st !== l)
        differences.push({
          check: 'statement',
          period,
          partnerId: p,
          message: `${period} ${p}: ledger ${f(l)}, statement ${f(st)}`,
        });
    }
    if (dec(x.totals.net) !== ledgerTotal)
      differences.push({
        check: 'export',
        period,
        partnerId: null,
        message: `${period}: ledger total ${f(ledgerTotal)}, export total ${x.totals.net}`,
      });
    if (dec(s.totals.net) !== ledgerTotal)
      differences.push({
        check: 'statement',
        period,
        partnerId: null,
        message: `${period}: ledger total ${f(ledgerTotal)}, statements total ${s.totals.net}`,
      });
  }

  // payouts: earned = paid + pending + unpaid per partner, each line = the sum of its entries
  const byId = new Map<string, LedgerEntry>(all.map((e) => [e.id, e]));
  const earned = new Map<string, bigint>();
  for (const e of all) add(earned, e.partnerId, e.amount);
  const paid = new Map<string, bigint>();
  const pending = new Map<string, bigint>();
  const held = new Set<string>();
  for (const run of await deps.store.finance.payoutRuns(account)) {
    let runTotal = 0n;
    for (const line of run.lines) {
      runTotal += line.amount;
      if (line.status !== 'paid' && line.status !== 'pending') continue;
      add(line.status === 'paid' ? paid : pending, line.partnerId, line.amount);
      let sum = 0n;
      for (const id of line.entryIds) {
        const e = byId.get(id);
        if (e === undefined) {
          differences.push({
            check: 'payout-line',
            period: null,
            partnerId: line.partnerId,
            message: `payout line ${line.id}: entry ${id} is not in the ledger`,
          });
          continue;
        }
        if (held.has(id))
          differences.push({
            check: 'payout-line',
            period: e.period,
            partnerId: line.partnerId,
            message: `payout line ${line.id}: entry ${e.key} (#${e.seq}) is paid by two lines`,
          });
        held.add(id);
        sum += e.amount;
        if (e.partnerId !== line.partnerId)
          differences.push({
            check: 'payout-line',
            period: e.period,
            partnerId: line.partnerId,
            message: `payout line ${line.id}: entry ${e.key} (#${e.seq}) belongs to partner ${e.partnerId}`,
          });
      }
      if (sum !== line.amount)
        differences.push({
          check: 'payout-line',
          period: null,
          partnerId: line.partnerId,
          message: `payout line ${line.id} (${line.status}) of ${line.partnerId}: ${f(line.amount)} recorded, its ledger entries now sum to ${f(sum)}`,
        });
    }
    if (runTotal !== run.total)
      differences.push({
        check: 'payout-line',
        period: null,
        partnerId: null,
        message: `payout run ${run.id}: total ${f(run.total)}, its lines sum to ${f(runTotal)}`,
      });
  }
  const unpaid = new Map<string, bigint>();
  for (const e of all) if (!held.has(e.id)) add(unpaid, e.partnerId, e.amount);
  const partnerIds = [...new Set([...earned.keys(), ...paid.keys(), ...pending.keys()])].sort();
  const partners: PartnerBalance[] = [];
  const sum = { earned: 0n, paid: 0n, pending: 0n, unpaid: 0n };
  for (const p of partnerIds) {
    const b = {
      earned: earned.get(p) ?? 0n,
      paid: paid.get(p) ?? 0n,
      pending: pending.get(p) ?? 0n,
      unpaid: unpaid.get(p) ?? 0n,
    };
    sum.earned += b.earned;
    sum.paid += b.paid;
    sum.pending += b.pending;
    sum.unpaid += b.unpaid;
    if (b.paid + b.pending + b.unpaid !== b.earned)
      differences.push({
        check: 'payout-balance',
        period: null,
        partnerId: p,
        message: `${p}: ledger ${f(b.earned)} ≠ paid ${f(b.paid)} + in payout runs ${f(b.pending)} + unpaid ${f(b.unpaid)}`,
      });
    partners.push({ partnerId: p, earned: f(b.earned), paid: f(b.paid), pending: f(b.pending), unpaid: f(b.unpaid) });
  }
  if (sum.paid + sum.pending + sum.unpaid !== sum.earned)
    differences.push({
      check: 'payout-balance',
      period: null,
      partnerId: null,
      message: `total: ledger ${f(sum.earned)} ≠ paid ${f(sum.paid)} + in payout runs ${f(sum.pending)} + unpaid ${f(sum.unpaid)}`,
    });
  return {
    ok: differences.length === 0,
    periods,
    entries: all.length,
    partners,
    total: { earned: f(sum.earned), paid: f(sum.paid), pending: f(sum.pending), unpaid: f(sum.unpaid) },
    differences,
  };
}
