// Finance exports (issue 6 §4): the ledger entries booked in a period and per-partner statements,
// as CSV (toCsv: RFC 4180, formula injection neutralised) or JSON. A closed period shows each
// entry's payable/held status as of its close, so exporting it again is byte-identical; an open
// period shows it as of now. Export totals and statement totals come from the same lines.

import { formatMinor } from '../domain/money.ts';
import { formatInstant, parseMonthLabel } from '../domain/time.ts';
import type { LedgerEntry, LedgerKind } from './types.ts';
import { LedgerInputError } from './errors.ts';
import { toCsv } from '../sync/csv.ts';
import type { LedgerDeps } from './port.ts';
import { closeOf } from './plan.ts';

export interface ExportLine {
  seq: number;
  period: string;
  originalPeriod: string;
  type: LedgerKind;
  key: string;
  partnerId: string;
  partnerName: string;
  dealId: string | null;
  dealName: string | null;
  recipe: string;
  plan: string;
  planType: string;
  basis: string | null;
  rateBps: number | null;
  tier: string | null;
  dealAmount: string | null;
  dealCurrency: string | null;
  exchangeRate: string | null;
  baseAmount: string | null;
  attributionModel: string;
  role: string | null;
  amount: string;
  payableOn: string;
  status: 'payable' | 'held';
  reason: string;
  explanation: string;
  postedAt: string;
}

export interface Totals {
  accruals: string;
  adjustments: string;
  clawbacks: string;
  net: string;
  payable: string;
  held: string;
}

export interface PeriodView {
  period: string;
  state: 'open' | 'closed';
  closedAt: string | null;
  /** The instant payable/held refers to: the close for a closed period, else the export time. */
  statusAsOf: string;
  currency: string;
}

export interface CommissionExport extends PeriodView {
  entries: ExportLine[];
  totals: Totals;
}

export interface PartnerStatement {
  partnerId: string;
  partnerName: string;
  lines: ExportLine[];
  totals: Totals;
}

export interface Statements extends PeriodView {
  partners: PartnerStatement[];
  totals: Totals;
}

export function parseLedgerPeriod(text: string): string {
  if (parseMonthLabel(text) === null)
    throw new LedgerInputError(
      `--period: "${text}" is not a month; the ledger books by month: write YYYY-MM (e.g. 2026-03)`,
    );
  return text;
}

/** One line saying how the entry's amount came about, from the inputs recorded with it. */
export function explain(e: LedgerEntry, currency: string): string {
  const i = e.inputs;
  if (i.planType === 'fixed_fee')
    return `monthly fee of plan ${i.plan} (recipe ${i.recipe}) for ${e.originalPeriod}, target ${i.target}; ${e.reason}`;
  const fx =
    i.dealCurrency !== null && i.dealCurrency !== currency
      ? ` × ${i.exchangeRate ?? '?'} = ${i.baseAmount ?? '?'} ${currency}`
      : '';
  const rate = i.rateBps === null ? `flat fee of plan ${i.plan}` : `${i.rateBps} bps of plan ${i.plan}`;
  const tier =
    i.tier === null
      ? ''
      : ` (tier ${i.tier}${i.wonDealsForTier === null ? '' : `, ${i.wonDealsForTier} won in 365 days`})`;
  const split = i.instalments !== null && i.instalments > 1 ? `, instalment ${i.instalment} of ${i.instalments}` : '';
  return `${e.dealName ?? e.dealId ?? '-'} (${e.dealId ?? '-'}): ${i.dealAmount ?? '?'} ${i.dealCurrency ?? ''}${fx}; ${i.role ?? 'credited'} under ${i.attributionModel} attribution, basis ${i.basis ?? '-'}; ${rate}${tier} = ${i.commission}${i.capped ? ' (capped)' : ''}${split}; recipe ${i.recipe}; target ${i.target}; ${e.reason}`;
}

function line(e: LedgerEntry, statusAt: number, currency: string, exponent: number): ExportLine {
  const i = e.inputs;
  return {
    seq: e.seq,
    period: e.period,
    originalPeriod: e.originalPeriod,
    type: e.kind,
    key: e.key,
    partnerId: e.partnerId,
    partnerName: e.partnerName,
    dealId: e.dealId,
    dealName: e.dealName,
    recipe: i.recipe,
    plan: i.plan,
    planType: i.planType,
    basis: i.basis,
    rateBps: i.rateBps,
    tier: i.tier,
    dealAmount: i.dealAmount,
    dealCurrency: i.dealCurrency,
    exchangeRate: i.exchangeRate,
    baseAmount: i.baseAmount,
    attributionModel: i.attributionModel,
    role: i.role,
    amount: formatMinor(e.amount, exponent),
    payableOn: e.payableOn,
    status: e.payableAt <= statusAt ? 'payable' : 'held',
    reason: e.reason,
    explanation: explain(e, currency),
    postedAt: formatInstant(e.postedAt),
  };
}

function totalsOf(entries: readonly LedgerEntry[], lines: readonly ExportLine[], exponent: number): Totals {
  const sum = { accrual: 0n, adjustment: 0n, clawback: 0n, payable: 0n, held: 0n };
  entries.forEach((e, i) => {
    sum[e.kind] += e.amount;
    if (lines[i]?.status === 'payable') sum.payable += e.amount;
    else sum.held += e.amount;
  });
  const f = (v: bigint): string => formatMinor(v, exponent);
  return {
    accruals: f(sum.accrual),
    adjustments: f(sum.adjustment),
    clawbacks: f(sum.clawback),
    net: f(sum.accrual + sum.adjustment + sum.clawback),
    payable: f(sum.payable),
    held: f(sum.held),
  };
}

interface Loaded {
  view: PeriodView;
  entries: LedgerEntry[];
  lines: ExportLine[];
}

/** Entries booked in the period in key order (then posting order), with their status. */
async function load(deps: LedgerDeps, account: string, period: string, partnerId?: string): Promise<Loaded> {
  const { program } = deps.config;
  const closes = await deps.store.periodCloses(account);
  const close = closeOf(closes, period);
  const statusAt = close?.closedAt ?? Math.floor(deps.clock.now() / 1000) * 1000;
  const entries = (
    await deps.store.ledgerEntries(account, partnerId === undefined ? { period } : { period, partnerId })
  ).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
  return {
    view: {
      period,
      state: close ? 'closed' : 'open',
      closedAt: close ? formatInstant(close.closedAt) : null,
      statusAsOf: formatInstant(statusAt),
      currency: program.currency,
    },
    entries,
    lines: entries.map((e) => line(e, statusAt, program.currency, program.exponent)),
  };
}

export async function commissionExport(deps: LedgerDeps, account: string, period: string): Promise<CommissionExport> {
  const { view, entries, lines } = await load(deps, account, parseLedgerPeriod(period));
  return { ...view, entries: lines, totals: totalsOf(entries, lines, deps.config.program.exponent) };
}

export async function statements(
  deps: LedgerDeps,
  account: string,
  period: string,
  partnerId?: string,
): Promise<Statements> {
  const { view, entries, lines } = await load(deps, account, parseLedgerPeriod(period), partnerId);
  const exponent = deps.config.program.exponent;
  const groups = new Map<string, number[]>();
  entries.forEach((e, i) => {
    const list = groups.get(e.partnerId);
    if (list) list.push(i);
    else groups.set(e.partnerId, [i]);
  });
  const partners = [...groups.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([id, idx]): PartnerStatement => {
      const es = idx.map((i) => entries[i] as LedgerEntry);
      const ls = idx.map((i) => lines[i] as ExportLine);
      // the latest name recorded for the partner in this period
      const name = es.reduce((latest, e) => (e.seq > latest.seq ? e : latest)).partnerName;
      return { partnerId: id, partnerName: name, lines: ls, totals: totalsOf(es, ls, exponent) };
    });
  return { ...view, partners, totals: totalsOf(entries, lines, exponent) };
}

export const EXPORT_COLUMNS = [
  'period',
  'originalPeriod',
  'seq',
  'type',
  'key',
  'partnerId',
  'partnerName',
  'dealId',
  'dealName',
  'recipe',
  'plan',
  'planType',
  'basis',
  'rateBps',
  'tier',
  'dealAmount',
  'dealCurrency',
  'exchangeRate',
  'baseAmount',
  'attributionModel',
  'role',
  'amount',
  'payableOn',
  'status',
  'reason',
  'postedAt',
] as const;

export function commissionExportCsv(x: CommissionExport): string {
  return toCsv(
    EXPORT_COLUMNS,
    x.entries.map((l) => EXPORT_COLUMNS.map((c) => l[c])),
  );
}

export const STATEMENT_COLUMNS = [
  'period',
  'partnerId',
  'partnerName',
  'line',
  'type',
  'key',
  'dealId',
  'dealName',
  'originalPeriod',
  'amount',
  'status',
  'payableOn',
  'explanation',
] as const;

/**
 * One row per ledger entry and nothing else, so a spreadsheet SUM over `amount` equals the net
 * total; the totals are in statementTotalsCsv (a second file) and in the JSON form.
 */
export function statementsCsv(s: Statements): string {
  const rows: (string | number | null)[][] = [];
  for (const p of s.partners) {
    p.lines.forEach((l, i) =>
      rows.push([
        s.period,
        p.partnerId,
        p.partnerName,
        i + 1,
        l.type,
        l.key,
        l.dealId,
        l.dealName,
        l.originalPeriod,
        l.amount,
        l.status,
        l.payableOn,
        l.explanation,
      ]),
    );
  }
  return toCsv(STATEMENT_COLUMNS, rows);
}

export const STATEMENT_TOTAL_COLUMNS = [
  'period',
  'partnerId',
  'partnerName',
  'accruals',
  'adjustments',
  'clawbacks',
  'net',
  'payable',
  'held',
] as const;

/** One row of totals per partner, then the period's (partnerId empty, partnerName "all partners"). */
export function statementTotalsCsv(s: Statements): string {
  const row = (id: string, name: string, t: Totals): (string | null)[] => [
    s.period,
    id,
    name,
    t.accruals,
    t.adjustments,
    t.clawbacks,
    t.net,
    t.payable,
    t.held,
  ];
  return toCsv(STATEMENT_TOTAL_COLUMNS, [
    ...s.partners.map((p) => row(p.partnerId, p.partnerName, p.totals)),
    row('', 'all partners', s.totals),
  ]);
}

export const toJsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
