// What one partner may see (issue 19), always scoped by the session's partner id: its
// registrations, its deals with its own attribution amount and share (never other partners'
// rows), its commission statement (the ledger's `statements`, the same lines and totals finance
// gets for this partner) and its tier with the wins the next one needs.

import { computeDetailed } from '../../domain/engine.ts';
import { SourcedWins } from '../../domain/commissions.ts';
import { formatMinor } from '../../domain/money.ts';
import { monthLabel, TimeZone } from '../../domain/time.ts';
import { LedgerInputError } from '../../ledger/errors.ts';
import { parseLedgerPeriod, statements, type Statements } from '../../ledger/exports.ts';
import type { PartnerRegistration } from '../../store/partner-portal.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { asOfNow } from '../ui/data.ts';

export interface RegistrationView {
  id: string;
  company: string;
  domain: string;
  amount: string;
  currency: string;
  closeDate: string;
  submittedAt: string;
  /** submitted, approved, rejected, expired; `refused` when the CRM refused it; `pending` while retrying. */
  status: string;
  reason: string | null;
  error: string | null;
  expiresAt: string | null;
  dealId: string | null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function registrationView(r: PartnerRegistration): RegistrationView {
  return {
    id: r.id,
    company: str(r.input['company']),
    domain: str(r.input['domain']),
    amount: str(r.input['amount']),
    currency: str(r.input['currency']),
    closeDate: str(r.input['closeDate']),
    submittedAt: new Date(r.submittedAt).toISOString(),
    status: r.state === 'done' ? (r.status ?? 'submitted') : r.state,
    reason: r.reason,
    error: r.state === 'refused' ? r.error : null,
    expiresAt: r.expiresAt,
    dealId: r.dealId,
  };
}

export async function partnerRegistrations(deps: AppDeps, partnerId: string): Promise<RegistrationView[]> {
  const account = await deps.account();
  return (await deps.store.partners.registrations(account, { partnerId })).map(registrationView);
}

/** One registration of this partner; 404 for any other (another partner's included). */
export async function partnerRegistration(deps: AppDeps, partnerId: string, id: string): Promise<RegistrationView> {
  const account = await deps.account();
  const r = /^[0-9a-f-]{36}$/.test(id) ? await deps.store.partners.registration(id) : null;
  if (r?.account !== account || r.partnerId !== partnerId)
    throw new HttpError(404, 'not_found', 'There is no registration of yours with this id.');
  return registrationView(r);
}

export interface DealView {
  id: string;
  name: string;
  stage: string;
  closeDate: string | null;
  /** sourced, influenced or registered (registered by this partner, no attribution yet). */
  role: 'sourced' | 'influenced' | 'registered';
  /** This partner's attribution, in the program currency. */
  amount: string;
  /** This partner's share of the deal, in percent (1 decimal); null for a deal without amount. */
  sharePercent: number | null;
}

export interface PartnerOverview {
  partnerId: string;
  name: string;
  currency: string;
  asOf: string;
  tier: string | null;
  grantedTier: string | null;
  winsLast365: number;
  nextTier: { name: string; minWonDeals: number; winsNeeded: number } | null;
  deals: DealView[];
}

/** Deals and tier of one partner, from one engine run over the cached snapshot as of now. */
export async function partnerOverview(deps: AppDeps, partnerId: string): Promise<PartnerOverview> {
  const account = await deps.account();
  const asOf = asOfNow(deps);
  const program = deps.config.program;
  const tz = new TimeZone(program.timezone);
  const cache = await deps.store.loadCache(account);
  const partner = cache.partners.find((p) => p.id === partnerId);
  if (partner === undefined) throw new HttpError(404, 'not_found', 'Your partner record is not in the last sync.');
  const m = tz.monthOf(asOf);
  const { result, details } = computeDetailed(program, cache, {
    asOf,
    period: { label: monthLabel(m), kind: 'month', firstMonth: m, months: 1 },
  });
  const rec = details.partners.find((p) => p.id === partnerId);
  const out = result.partners.find((p) => p.id === partnerId);
  const closeDates = new Map(cache.deals.map((d) => [d.id, d.closedAt ?? null]));
  const deals: DealView[] = [];
  if (rec !== undefined) {
    details.deals.forEach((d, i) => {
      let amount = 0n;
      let attributed = false;
      for (let k = details.rows.start(i); k < details.rows.end(i); k++) {
        if (details.rows.partner(k) !== rec.idx) continue;
        attributed = true;
        amount += details.rows.amount(k);
      }
      const touched = d.touches.some((t) => t.partner === rec.idx);
      const registered = d.reg?.partner === rec.idx;
      if (!attributed && d.source !== rec.idx && !touched && !registered) return;
      deals.push({
        id: d.id,
        name: d.name,
        stage: d.stage,
        closeDate: (closeDates.get(d.id) ?? null)?.slice(0, 10) ?? null,
        role: d.source === rec.idx ? 'sourced' : attributed || touched ? 'influenced' : 'registered',
        amount: formatMinor(amount, program.exponent),
        sharePercent: d.amount === 0n ? null : Number((amount * 1000n) / d.amount) / 10,
      });
    });
  }
  deals.sort((a, b) => (a.closeDate ?? '9999').localeCompare(b.closeDate ?? '9999') || (a.id < b.id ? -1 : 1));
  const tiers = rec?.recipe?.plan?.type === 'percent' ? (rec.recipe.plan.tiers ?? null) : null;
  const wins =
    rec === undefined ? 0 : new SourcedWins(details.partners.length, details.deals).countInYearTo(rec.idx, asOf);
  const next = tiers?.find((t) => t.minWonDeals > wins) ?? null;
  return {
    partnerId,
    name: partner.name ?? partnerId,
    currency: program.currency,
    asOf: new Date(asOf).toISOString(),
    tier: out?.tier ?? null,
    grantedTier: partner.tier ?? null,
    winsLast365: wins,
    nextTier:
      next === null ? null : { name: next.name, minWonDeals: next.minWonDeals, winsNeeded: next.minWonDeals - wins },
    deals,
  };
}

/** One deal of this partner; 404 for a deal it has no part in. */
export async function partnerDeal(deps: AppDeps, partnerId: string, dealId: string): Promise<DealView> {
  const deal = (await partnerOverview(deps, partnerId)).deals.find((d) => d.id === dealId);
  if (deal === undefined) throw new HttpError(404, 'not_found', 'There is no deal of yours with this id.');
  return deal;
}

/** The partner's statement for a month: the ledger's statements for this partner alone. */
export async function partnerStatement(deps: AppDeps, partnerId: string, period: unknown): Promise<Statements> {
  const account = await deps.account();
  const tz = new TimeZone(deps.config.program.timezone);
  const label =
    period === undefined || period === ''
      ? monthLabel(tz.monthOf(asOfNow(deps)))
      : typeof period === 'string' && /^\d{4}-\d{2}$/.test(period)
        ? period
        : null;
  if (label === null) throw new HttpError(400, 'invalid_request', 'The period must be a month, e.g. ?period=2026-03.');
  try {
    return await statements(deps, account, parseLedgerPeriod(label), partnerId);
  } catch (err) {
    if (err instanceof LedgerInputError) throw new HttpError(400, 'invalid_request', err.message);
    throw err;
  }
}
