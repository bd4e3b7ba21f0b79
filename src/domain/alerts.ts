// Alerts as of asOf (docs/finance-rules.md §8). Each carries a one-line message with the numbers behind it
// and what to do next. Sync-only codes (HEALTH_DROPPED, CLAWBACK_WINDOW_PASSED,
// CURRENCY_RATE_MISSING) live in sync/.

import type { DealRecipeIssue } from './commissions.ts';
import type { HealthResult } from './health.ts';
import { winRate365, type PartnerAcc } from './kpis.ts';
import { cmp, mul, ratioToNumber } from './money.ts';
import type { DealRec, PartnerRec } from './prepare.ts';
import { HEALTH_COMPONENTS, type PreparedRecipe, type Program } from './program.ts';
import { DAY_MS, type TimeZone } from './time.ts';

export type Severity = 'critical' | 'warning' | 'info';
export type AlertCode =
  | 'HEALTH_AT_RISK'
  | 'INACTIVE'
  | 'NOT_ACTIVATED'
  | 'REGISTRATION_PENDING'
  | 'REGISTRATION_EXPIRING'
  | 'REGISTRATION_EXPIRED'
  | 'REGISTRATION_CONFLICT'
  | 'SOURCE_CONFLICT'
  | 'LOW_WIN_RATE'
  | 'TIER_CHANGE'
  | 'RECIPE_UNUSED'
  | 'DEAL_WITHOUT_RECIPE'
  | 'ANTI_RECIPE'
  | 'UNKNOWN_PARTNER'
  | 'HEALTH_DROPPED'
  | 'CLAWBACK_WINDOW_PASSED'
  | 'CURRENCY_RATE_MISSING';

export const SEVERITY: Readonly<Record<AlertCode, Severity>> = {
  HEALTH_AT_RISK: 'critical',
  REGISTRATION_CONFLICT: 'critical',
  INACTIVE: 'warning',
  NOT_ACTIVATED: 'warning',
  REGISTRATION_PENDING: 'warning',
  REGISTRATION_EXPIRED: 'warning',
  SOURCE_CONFLICT: 'warning',
  LOW_WIN_RATE: 'warning',
  ANTI_RECIPE: 'warning',
  UNKNOWN_PARTNER: 'warning',
  HEALTH_DROPPED: 'warning',
  CLAWBACK_WINDOW_PASSED: 'warning',
  CURRENCY_RATE_MISSING: 'warning',
  REGISTRATION_EXPIRING: 'info',
  TIER_CHANGE: 'info',
  RECIPE_UNUSED: 'info',
  DEAL_WITHOUT_RECIPE: 'info',
};

export interface Alert {
  code: AlertCode;
  severity: Severity;
  partnerId: string | null;
  dealId: string | null;
  recipe: string | null;
  message: string;
}

export function makeAlert(
  code: AlertCode,
  subject: { partnerId?: string | null; dealId?: string | null; recipe?: string | null },
  message: string,
): Alert {
  return {
    code,
    severity: SEVERITY[code],
    partnerId: subject.partnerId ?? null,
    dealId: subject.dealId ?? null,
    recipe: subject.recipe ?? null,
    message,
  };
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

function cmpNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** Severity, code, partnerId, dealId, recipe — ordinal, nulls first. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmpNullable(a.code, b.code) ||
    cmpNullable(a.partnerId, b.partnerId) ||
    cmpNullable(a.dealId, b.dealId) ||
    cmpNullable(a.recipe, b.recipe)
  );
}

const days = (ms: number): number => Math.floor(ms / DAY_MS);
const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

export interface AlertInput {
  program: Program;
  tz: TimeZone;
  asOf: number;
  partners: readonly PartnerRec[];
  accs: readonly PartnerAcc[];
  health: readonly HealthResult[];
  tiers: readonly (string | null)[];
  deals: readonly DealRec[];
  recipeIssues: readonly DealRecipeIssue[];
  /** Latest createdAt per recipe of deals whose effective recipe it is (all are ≤ asOf). */
  lastDealAt: ReadonlyMap<string, number>;
}

function partnerAlerts(input: AlertInput, p: PartnerRec, out: Alert[]): void {
  const { program, tz, asOf } = input;
  const a = input.accs[p.idx];
  const h = input.health[p.idx];
  if (!a || !h) return;
  const subject = { partnerId: p.id };
  if (h.band === 'at_risk' && h.score !== null) {
    const parts = HEALTH_COMPONENTS.filter((c) => h.components[c] !== null).map((c) => `${c} ${h.components[c]}`);
    out.push(
      makeAlert(
        'HEALTH_AT_RISK',
        subject,
        `Health ${h.score} < ${program.healthBands.watch} (${parts.join(', ')}): schedule a check-in with ${p.name} and agree on next joint deals`,
      ),
    );
  }
  const t = program.alerts;
  if (a.lastActivity !== -Infinity) {
    if (asOf - a.lastActivity > t.inactiveDays * DAY_MS) {
      out.push(
        makeAlert(
          'INACTIVE',
          subject,
          `No activity for ${days(asOf - a.lastActivity)} days (last ${tz.localDate(a.lastActivity)}; limit ${t.inactiveDays}): reach out to re-engage ${p.name} or end the partnership`,
        ),
      );
    }
  } else if (p.onboarded !== null && asOf - p.onboarded > t.notActivatedDays * DAY_MS) {
    out.push(
      makeAlert(
        'NOT_ACTIVATED',
        subject,
        `Onboarded ${days(asOf - p.onboarded)} days ago (${tz.localDate(p.onboarded)}) with no registration, deal or touch yet (limit ${t.notActivatedDays}): plan an activation call and a first joint opportunity`,
      ),
    );
  }
  const bench = p.recipe?.benchmarkWinRate ?? null;
  const rate = winRate365(program, a);
  if (bench !== null && rate !== null && cmp(rate, mul(program.lowWinRateFactor, bench)) < 0) {
    out.push(
      makeAlert(
        'LOW_WIN_RATE',
        subject,
        `Win rate ${pct(ratioToNumber(rate, 4))} (${a.won365} won of ${a.closed365} closed in 365 days) is below ${t.lowWinRateFactor} × the ${pct(ratioToNumber(bench, 4))} benchmark: review deal qualification with ${p.name}`,
      ),
    );
  }
  const earned = input.tiers[p.idx] ?? null;
  if (earned !== null && p.tier !== null && earned !== p.tier) {
    out.push(
      makeAlert(
        'TIER_CHANGE',
        subject,
        `Earned tier ${earned} differs from granted tier ${p.tier}: update the partner's tier in the CRM or review the tier rules`,
      ),
    );
  }
}

function registrationAlerts(input: AlertInput, d: DealRec, out: Alert[]): void {
  const { tz, asOf, program } = input;
  const reg = d.reg;
  if (reg === null || d.stage !== 'open') return;
  const subject = { dealId: d.id, partnerId: input.partners[reg.partner]?.id ?? null };
  const t = program.alerts;
  if (
    reg.status === 'submitted' &&
    reg.submitted !== null &&
    asOf - reg.submitted > t.registrationPendingDays * DAY_MS
  ) {
    out.push(
      makeAlert(
        'REGISTRATION_PENDING',
        subject,
        `Registration submitted ${days(asOf - reg.submitted)} days ago (${tz.localDate(reg.submitted)}) is still pending (limit ${t.registrationPendingDays}): approve or reject it`,
      ),
    );
  }
  if (reg.status === 'approved' && reg.expires !== null) {
    if (reg.expires <= asOf) {
      out.push(
        makeAlert(
          'REGISTRATION_EXPIRED',
          subject,
          `Approved registration expired on ${tz.localDate(reg.expires)}: extend it or mark it expired; after expiry the partner no longer sources the deal`,
        ),
      );
    } else if (reg.expires <= asOf + t.registrationExpiringDays * DAY_MS) {
      out.push(
        makeAlert(
          'REGISTRATION_EXPIRING',
          subject,
          `Approved registration expires on ${tz.localDate(reg.expires)} (within ${t.registrationExpiringDays} days): close the deal or extend the registration`,
        ),
      );
    }
  }
}

function conflictAlerts(input: AlertInput, out: Alert[]): void {
  const byCustomer = new Map<string, DealRec[]>();
  for (const d of input.deals) {
    const reg = d.reg;
    if (d.stage !== 'open' || d.customerId === null || reg === null) continue;
    if (reg.status !== 'submitted' && reg.status !== 'approved') continue;
    const list = byCustomer.get(d.customerId);
    if (list) list.push(d);
    else byCustomer.set(d.customerId, [d]);
  }
  for (const [customer, list] of byCustomer) {
    const partnerIds = [...new Set(list.map((d) => input.partners[d.reg?.partner ?? -1]?.id ?? ''))].sort();
    if (partnerIds.length < 2) continue;
    for (const d of list) {
      const partnerId = input.partners[d.reg?.partner ?? -1]?.id ?? null;
      out.push(
        makeAlert(
          'REGISTRATION_CONFLICT',
          { dealId: d.id, partnerId },
          `Customer ${customer} has open registrations from ${partnerIds.length} partners (${partnerIds.join(', ')}): decide which partner owns the opportunity and reject the others`,
        ),
      );
    }
  }
}

function dealAlerts(input: AlertInput, d: DealRec, out: Alert[]): void {
  registrationAlerts(input, d, out);
  const reg = d.reg;
  if (reg !== null && reg.status === 'approved' && d.source >= 0 && d.source !== reg.partner) {
    const registering = input.partners[reg.partner];
    const source = input.partners[d.source];
    out.push(
      makeAlert(
        'SOURCE_CONFLICT',
        { dealId: d.id, partnerId: registering?.id ?? null },
        `Approved registration by ${registering?.name ?? '?'} but the partner source is ${source?.name ?? '?'}: correct the partner source or reject the registration`,
      ),
    );
  }
  if (d.unknownPartners.length > 0) {
    out.push(
      makeAlert(
        'UNKNOWN_PARTNER',
        { dealId: d.id },
        `Deal names ${d.unknownPartners.length === 1 ? 'a partner' : 'partners'} that ${d.unknownPartners.length === 1 ? 'is' : 'are'} not in the program (${d.unknownPartners.join(', ')}): fix the partner source, registration or influencers, or mark the company as a partner`,
      ),
    );
  }
}

/** RECIPE_UNUSED's rule (docs/finance-rules.md §8): an active recipe with no deal created in the window. */
export function recipeUnused(program: Program, recipe: PreparedRecipe, last: number | null, asOf: number): boolean {
  return recipe.status === 'active' && !(last !== null && last >= asOf - program.alerts.recipeUnusedDays * DAY_MS);
}

function recipeAlerts(input: AlertInput, out: Alert[]): void {
  out.push(...recipeUnusedAlerts(input.program, input.tz, input.asOf, input.lastDealAt));
}

/**
 * RECIPE_UNUSED from each recipe's last deal (latest createdAt of the deals whose effective recipe
 * it is). A scoped run (issue 21) gives the whole account's, read from the read models.
 */
export function recipeUnusedAlerts(
  program: Program,
  tz: TimeZone,
  asOf: number,
  lastDealAt: ReadonlyMap<string, number>,
): Alert[] {
  const out: Alert[] = [];
  const limit = program.alerts.recipeUnusedDays;
  for (const recipe of program.recipes.values()) {
    const last = lastDealAt.get(recipe.id) ?? null;
    if (!recipeUnused(program, recipe, last, asOf)) continue;
    out.push(
      makeAlert(
        'RECIPE_UNUSED',
        { recipe: recipe.id },
        `No deal with recipe ${recipe.id} was created in the last ${limit} days (last ${last === null ? 'never' : tz.localDate(last)}): revive the recipe with its partners or retire it`,
      ),
    );
  }
  return out;
}

function recipeIssueAlerts(input: AlertInput, out: Alert[]): void {
  for (const issue of input.recipeIssues) {
    const partner = input.partners[issue.partner];
    const subject = { dealId: issue.deal.id, partnerId: partner?.id ?? null };
    if (issue.code === 'DEAL_WITHOUT_RECIPE') {
      out.push(
        makeAlert(
          'DEAL_WITHOUT_RECIPE',
          subject,
          `Won deal "${issue.deal.name}" has no recipe for ${partner?.name ?? '?'}, so no commission was computed: set the deal's partner recipe or the partner's recipe`,
        ),
      );
    } else {
      out.push(
        makeAlert(
          'ANTI_RECIPE',
          subject,
          `Won deal "${issue.deal.name}" uses the anti-recipe ${issue.recipe?.id ?? '?'} with ${partner?.name ?? '?'}: review why it was accepted and whether the plan should still pay`,
        ),
      );
    }
  }
}

export function computeAlerts(input: AlertInput): Alert[] {
  const out: Alert[] = [];
  for (const p of input.partners) partnerAlerts(input, p, out);
  for (const d of input.deals) dealAlerts(input, d, out);
  conflictAlerts(input, out);
  recipeAlerts(input, out);
  recipeIssueAlerts(input, out);
  out.sort(compareAlerts);
  return out;
}

/** Used by messages elsewhere: a component list like `revenue 62.5 (w30) · activity 85 (w25)`. */
export function healthBreakdown(h: HealthResult): string {
  return HEALTH_COMPONENTS.filter((c) => h.components[c] !== null)
    .map((c) => `${c} ${h.components[c]} (w${ratioToNumber(h.weights[c], 2)})`)
    .join(' · ');
}
