// What one partner may see (issue 19), always scoped by the session's partner id: its
// registrations, its deals with its own attribution amount and share (never other partners'
// rows), its commission statement (the ledger's `statements`, the same lines and totals finance
// gets for this partner) and its tier with the wins the next one needs. Issue 21: the deals and
// tier as of the last run, computed once per run off the event loop; nothing loads the whole
// snapshot cache per page view.

import { monthLabel, TimeZone } from '../../domain/time.ts';
import { LedgerInputError } from '../../ledger/errors.ts';
import { parseLedgerPeriod, statements, type Statements } from '../../ledger/exports.ts';
import type { PartnerRegistration } from '../../store/partner-portal.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { asOfNow } from '../ui/data.ts';
import { partnerPortalOffLoop } from '../../sync/engine-pool.ts';
import type { PortalDeal } from '../../sync/portal-model.ts';
import { programFingerprint } from '../../sync/read-model-build.ts';
import { readBasis } from '../../sync/read-models.ts';

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

export type DealView = PortalDeal;

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

/**
 * Deals and tier of one partner as of the last run (issue 21: like the dashboard, its asOf; as
 * of now before any run): every partner's figures are computed once per run in the engine
 * worker (src/sync/portal-model.ts) and read from there, so a page view neither loads the
 * snapshot nor runs the engine on the event loop.
 */
export async function partnerOverview(deps: AppDeps, partnerId: string): Promise<PartnerOverview> {
  const account = await deps.account();
  const program = deps.config.program;
  const [basis, rows] = await Promise.all([
    readBasis(deps, account),
    deps.store.partnerPage(account, { limit: 1, id: partnerId }),
  ]);
  const partner = rows[0]?.partner;
  if (partner === undefined) throw new HttpError(404, 'not_found', 'Your partner record is not in the last sync.');
  const key = [account, basis.runId ?? `now:${basis.asOf}`, programFingerprint(program)].join('|');
  const figures = await partnerPortalOffLoop(key, partnerId, async () => ({
    program,
    snapshot: await deps.store.loadCache(account),
    asOf: basis.asOf,
  }));
  return {
    partnerId,
    name: partner.name ?? partnerId,
    currency: program.currency,
    asOf: new Date(basis.asOf).toISOString(),
    tier: figures?.tier ?? null,
    grantedTier: partner.tier ?? null,
    winsLast365: figures?.winsLast365 ?? 0,
    nextTier: figures?.nextTier ?? null,
    deals: figures?.deals ?? [],
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
