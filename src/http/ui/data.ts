// What the pages show, read from the store. The figures are the last sync run's read models
// (issue 21), the same GET /v1/kpis reads (so the numbers agree), as of that run's asOf;
// commissions come from the ledger, as finance exports them.

import { compareAlerts, type Alert, type AlertCode, type Severity } from '../../domain/alerts.ts';
import { formatMinor, parseDecimalToMinor } from '../../domain/money.ts';
import { formatInstant, monthLabel, parsePeriod, TimeZone, type MonthIndex, type Period } from '../../domain/time.ts';
import {
  periodView,
  readBasis,
  type PartnerReadRow,
  type PeriodAggregate,
  type PeriodView,
} from '../../sync/read-models.ts';
import type { AlertEpisode } from '../../store/store.ts';
import { statements, type ExportLine, type Totals } from '../../ledger/exports.ts';
import { closeOf } from '../../ledger/plan.ts';
import type { AppDeps } from '../deps.ts';
import { lastCompleteMonth } from '../../sync/queries.ts';
import { HttpError } from '../errors.ts';

export interface Current {
  account: string;
  /** The instant the figures are as of: the last run's asOf (now, before any run; issue 21). */
  asOf: number;
  tz: TimeZone;
  /** The month of asOf in the program time zone. */
  currentMonth: MonthIndex;
  period: Period;
  /** The period's aggregate figures, with asOf as the engine writes it. */
  result: PeriodAggregate & { asOf: string };
  /** The run the figures are of, and the partner rows (read on demand, from the store once a run stored them). */
  view: PeriodView;
}

/**
 * `YYYY-MM`, `YYYY-Qn` or `YYYY`; empty means the last complete month (issue 17: a month that
 * just started shows near-zero revenue and −100 % growth; the current month is one click away).
 * A bad one is a 400 page.
 */
export function readPeriod(text: unknown, tz: TimeZone, now: number): Period {
  if (text === undefined || text === '') return lastCompleteMonth(tz, now);
  if (typeof text !== 'string')
    throw new HttpError(400, 'invalid_request', 'The period parameter must be given once, e.g. ?period=2026-03.');
  const p = parsePeriod(text);
  if (p === null)
    throw new HttpError(
      400,
      'invalid_request',
      `The period parameter "${text}" is not a month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY).`,
    );
  return p;
}

export const asOfNow = (deps: Pick<AppDeps, 'clock'>): number => Math.floor(deps.clock.now() / 1000) * 1000;

/**
 * The figures of the page's period as of the last run (issue 21): the run's read model, or for a
 * period it did not store a computation off the event loop, cached per run. The default period is
 * the last complete month before the run's asOf.
 */
export async function loadCurrent(deps: AppDeps, periodText: unknown): Promise<Current> {
  const account = await deps.account();
  const basis = await readBasis(deps, account);
  const tz = new TimeZone(deps.config.program.timezone);
  const period = readPeriod(periodText, tz, basis.asOf);
  const view = await periodView(deps, account, period, basis);
  return {
    account,
    asOf: basis.asOf,
    tz,
    currentMonth: tz.monthOf(basis.asOf),
    period,
    result: { ...view.aggregate, asOf: formatInstant(basis.asOf) },
    view,
  };
}

/** The last month a period's charts end with: its own last month, at most the current month. */
export const lastChartMonth = (c: Pick<Current, 'period' | 'currentMonth'>): MonthIndex =>
  Math.min(c.period.firstMonth + c.period.months - 1, c.currentMonth);

// ---- partners -------------------------------------------------------------------------------

export interface PartnerRow {
  id: string;
  name: string;
  recipe: string | null;
  grantedTier: string | null;
  tier: string | null;
  /** Rank of the earned tier in its plan (0 = first), for sorting. */
  tierRank: number | null;
  fit: { score: number; band: string } | null;
  score: number | null;
  band: 'healthy' | 'watch' | 'at_risk' | null;
  attributed: string;
  attributed365: string;
  pipeline: string;
  /** The 365-day conversion sample (docs/finance-rules.md §7), 4 dp; null below the minimum sample. */
  winRate365: number | null;
  lastActivityAt: string | null;
  openAlerts: number;
  worstSeverity: Severity | null;
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, warning: 1, info: 2 };

/** Open alerts of a partner: how many, and the worst severity. */
export interface AlertSummary {
  count: number;
  worst: Severity | null;
}

/** A read-model row of the period with its open alerts, as the partner list shows it. */
export function partnerRow(r: PartnerReadRow, alerts: AlertSummary): PartnerRow {
  const p = r.out;
  return {
    id: p.id,
    name: r.name,
    recipe: r.recipe,
    grantedTier: r.grantedTier,
    tier: p.tier,
    tierRank: r.tierRank,
    fit: p.fit,
    score: p.health.score,
    band: p.health.band,
    attributed: p.kpis.attributedRevenue,
    attributed365: r.attributed365,
    pipeline: p.kpis.pipeline,
    winRate365: r.winRate365,
    lastActivityAt: p.kpis.lastActivityAt,
    openAlerts: alerts.count,
    worstSeverity: alerts.worst,
  };
}

/** How many open alerts, and the worst severity, of these episodes or per-severity counts. */
export function alertSummary(open: readonly { severity: string; count?: number }[]): AlertSummary {
  let count = 0;
  let worst: Severity | null = null;
  for (const e of open) {
    count += e.count ?? 1;
    if (worst === null || (SEVERITY_RANK[e.severity] ?? 9) < (SEVERITY_RANK[worst] ?? 9))
      worst = e.severity as Severity;
  }
  return { count, worst };
}

/** Every partner of the period with its open alerts (counts per partner and severity). */
export async function partnerRows(
  c: Current,
  counts: readonly { partnerId: string | null; severity: string; count: number }[],
): Promise<PartnerRow[]> {
  const byPartner = new Map<string, { severity: string; count: number }[]>();
  for (const e of counts) {
    if (e.partnerId === null) continue;
    const list = byPartner.get(e.partnerId);
    if (list) list.push(e);
    else byPartner.set(e.partnerId, [e]);
  }
  return (await c.view.partners()).map((r) => partnerRow(r, alertSummary(byPartner.get(r.id) ?? [])));
}

// ---- alerts ---------------------------------------------------------------------------------

/** Open alert episodes of the last sync, in the docs/finance-rules.md §8 order (severity, code, partner, deal, recipe). */
export async function openAlerts(deps: AppDeps, account: string, partnerId?: string): Promise<AlertEpisode[]> {
  const open =
    partnerId === undefined
      ? await deps.store.openEpisodes(account)
      : await deps.store.episodes(account, { partnerId, openOnly: true });
  const asAlert = (e: AlertEpisode): Alert => ({
    code: e.code as AlertCode,
    severity: e.severity as Severity,
    partnerId: e.partnerId,
    dealId: e.dealId,
    recipe: e.recipe,
    message: e.message,
  });
  return [...open].sort((a, b) => compareAlerts(asAlert(a), asAlert(b)) || a.openedAt - b.openedAt);
}

// ---- commissions (ledger) ---------------------------------------------------------------------

export interface LedgerView {
  months: string[];
  totals: Totals;
  lines: ExportLine[];
  entries: number;
}

const TOTAL_KEYS = ['accruals', 'adjustments', 'clawbacks', 'net', 'payable', 'held'] as const;

/** Ledger entries booked in the period's months (up to the current month), with their totals. */
export async function ledgerView(deps: AppDeps, c: Current, partnerId?: string): Promise<LedgerView> {
  const { exponent } = deps.config.program;
  const sums = Object.fromEntries(TOTAL_KEYS.map((k) => [k, 0n])) as Record<(typeof TOTAL_KEYS)[number], bigint>;
  const lines: ExportLine[] = [];
  const months: string[] = [];
  const last = Math.min(c.period.firstMonth + c.period.months - 1, c.currentMonth);
  for (let m = c.period.firstMonth; m <= last; m++) {
    const label = monthLabel(m);
    months.push(label);
    const s = await statements(deps, c.account, label, partnerId);
    const totals = partnerId === undefined ? s.totals : s.partners[0]?.totals;
    if (totals === undefined) continue;
    for (const k of TOTAL_KEYS) sums[k] += parseDecimalToMinor(totals[k], exponent) ?? 0n;
    for (const p of s.partners) lines.push(...p.lines);
  }
  const totals = Object.fromEntries(TOTAL_KEYS.map((k) => [k, formatMinor(sums[k], exponent)])) as unknown as Totals;
  return { months, totals, lines, entries: lines.length };
}

/**
 * The ledger's totals of the period's months (up to the current month), summed in the store: the
 * same totals as ledgerView (statements: payable when payable by the month's close, or by now
 * while open) without loading every entry (issue 21: the program page). No lines.
 */
export async function ledgerTotalsView(deps: AppDeps, c: Current): Promise<LedgerView> {
  const { exponent } = deps.config.program;
  const closes = await deps.store.periodCloses(c.account);
  const now = asOfNow(deps);
  const sum = { accrual: 0n, adjustment: 0n, clawback: 0n, manual: 0n, payable: 0n, held: 0n };
  let entries = 0;
  const months: string[] = [];
  for (let m = c.period.firstMonth; m <= lastChartMonth(c); m++) {
    const label = monthLabel(m);
    months.push(label);
    const statusAt = closeOf(closes, label)?.closedAt ?? now;
    for (const k of await deps.store.ledgerMonthSums(c.account, label, statusAt)) {
      entries += k.entries;
      if (k.kind in sum) sum[k.kind as keyof typeof sum] += k.amount;
      sum.payable += k.payable;
      sum.held += k.amount - k.payable;
    }
  }
  const f = (v: bigint): string => formatMinor(v, exponent);
  // the keys ledgerView sums (its net includes manual entries, as the statements' net does)
  const totals = {
    accruals: f(sum.accrual),
    adjustments: f(sum.adjustment),
    clawbacks: f(sum.clawback),
    net: f(sum.accrual + sum.adjustment + sum.clawback + sum.manual),
    payable: f(sum.payable),
    held: f(sum.held),
  };
  return { months, totals: totals as unknown as Totals, lines: [], entries };
}
