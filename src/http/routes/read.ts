// Viewer routes: runs, partners, recipes, KPIs (docs/product.md "HTTP API").

import { Router } from 'express';
import { z } from 'zod';
import { parsePeriod } from '../../domain/time.ts';
import type { RunRecord } from '../../store/store.ts';
import {
  decodePartnerCursor,
  decodeRunCursor,
  listRunsPage,
  getRun,
  listPartnersPage,
  getPartner,
  kpiTotals,
  kpisPage,
  recipeFlags,
  writeFailures,
} from '../../sync/queries.ts';
import type { AppDeps } from '../deps.ts';
import { requireRole } from '../auth.ts';
import { HttpError, noQuery, parseOr400 } from '../errors.ts';
import { ledgerErrors } from './finance.ts';

const periodText = z
  .string({ error: 'write one period: YYYY-MM, YYYY-Qn or YYYY' })
  .refine((t) => parsePeriod(t) !== null, { error: 'write YYYY-MM (month 01 to 12), YYYY-Qn (n 1 to 4) or YYYY' });

/**
 * `limit` and `cursor` of a paged list (issue 21): 1–500 a page, `dflt` by default; a cursor is
 * the opaque text `decode` reads back (a previous answer's nextCursor), anything else a 400.
 */
function pageParams(noun: string, dflt: number, decode: (text: string) => unknown) {
  const whole = 'write a whole number from 1 to 500';
  return {
    limit: z.coerce
      .number({ error: whole })
      .int({ error: whole })
      .min(1, { error: whole })
      .max(500, { error: `at most 500 ${noun} a page; follow nextCursor for more` })
      .default(dflt),
    cursor: z
      .string()
      .max(1000)
      .refine((t) => decode(t) !== null, {
        error: "not a cursor from this API; pass a previous answer's nextCursor unchanged",
      })
      .optional(),
  };
}

const runsQuery = z.strictObject({
  status: z.enum(['running', 'succeeded', 'stopped', 'failed']).optional(),
  mode: z.enum(['full', 'incremental', 'targeted']).optional(),
  ...pageParams('runs', 50, decodeRunCursor),
});
/** The partner filters of /v1/partners and /v1/kpis, applied in the store before paging. */
const partnerFilters = {
  band: z.enum(['healthy', 'watch', 'at_risk']).optional(),
  recipe: z.string().min(1).optional(),
  tier: z.string().min(1).optional(),
  q: z.string().min(1).max(200).optional(),
};
const partnersQuery = z.strictObject({ ...partnerFilters, ...pageParams('partners', 100, decodePartnerCursor) });
const periodQuery = z.strictObject({ period: periodText.optional() });
const kpisQuery = z.strictObject({
  period: periodText.optional(),
  ...partnerFilters,
  ...pageParams('partners', 100, decodePartnerCursor),
});
const idParam = z.strictObject({ id: z.string().min(1).max(200) });

/** A run as JSON: its instants as ISO 8601 (issue 17), like every timestamp under /v1. */
function runJson(r: RunRecord): Omit<RunRecord, 'startedAt' | 'finishedAt' | 'asOf'> & {
  startedAt: string;
  finishedAt: string | null;
  asOf: string;
} {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    ...r,
    startedAt: iso(r.startedAt),
    finishedAt: r.finishedAt === null ? null : iso(r.finishedAt),
    asOf: iso(r.asOf),
  };
}

export function readRoutes(deps: AppDeps): Router {
  const router = Router();
  const viewer = requireRole(deps.tokens, 'viewer');

  router.get('/runs', viewer, async (req, res) => {
    const q = parseOr400(runsQuery, req.query, 'query');
    const page = await listRunsPage(deps, await deps.account(), q);
    res.json({ runs: page.runs.map(runJson), nextCursor: page.nextCursor });
  });
  router.get('/runs/:id', viewer, async (req, res) => {
    const { id } = parseOr400(idParam, req.params, 'params');
    parseOr400(noQuery, req.query, 'query');
    const run = await getRun(deps, id);
    if (run === null || run.account !== (await deps.account())) throw new HttpError(404, 'not_found', `no run ${id}`);
    res.json(runJson(run));
  });
  router.get('/write-failures', viewer, async (req, res) => {
    parseOr400(noQuery, req.query, 'query');
    res.json(await writeFailures(deps, await deps.account()));
  });
  router.get('/partners', viewer, async (req, res) => {
    const q = parseOr400(partnersQuery, req.query, 'query');
    const after = q.cursor === undefined ? undefined : (decodePartnerCursor(q.cursor) ?? undefined);
    res.json(await listPartnersPage(deps, await deps.account(), { ...q, after }));
  });
  router.get('/partners/:id', viewer, async (req, res) => {
    const { id } = parseOr400(idParam, req.params, 'params');
    parseOr400(noQuery, req.query, 'query');
    const partner = await getPartner(deps, await deps.account(), id);
    if (partner === null) throw new HttpError(404, 'not_found', `no partner ${id}`);
    res.json(partner);
  });
  router.get('/recipes', viewer, async (req, res) => {
    const q = parseOr400(periodQuery, req.query, 'query');
    const account = await deps.account();
    const current = await ledgerErrors(async () => kpiTotals(deps, account, q.period));
    const flags = await recipeFlags(deps, account);
    const byId = new Map(current.recipes.map((r) => [r.id, r.kpis]));
    const recipes = Object.entries(deps.config.programConfig.recipes)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, r]) => ({
        id,
        name: r.name,
        archetype: r.archetype,
        status: r.status,
        plan: r.plan ?? null,
        monthlyCost: r.monthlyCost,
        targets: r.targets ?? null,
        benchmarks: r.benchmarks ?? null,
        whenToUse: r.whenToUse ?? null,
        whenNotToUse: r.whenNotToUse ?? null,
        kpis: byId.get(id) ?? null,
        flags: { negativeRoi: flags.recipes.get(id)?.negativeRoi ?? false, roi: flags.recipes.get(id)?.roi ?? null },
      }));
    res.json({ asOf: current.asOf, period: current.period, flagWindow: flags.window, recipes });
  });
  router.get('/kpis', viewer, async (req, res) => {
    const { period, cursor, ...page } = parseOr400(kpisQuery, req.query, 'query');
    const after = cursor === undefined ? undefined : (decodePartnerCursor(cursor) ?? undefined);
    res.json(await ledgerErrors(async () => kpisPage(deps, await deps.account(), period, { ...page, after })));
  });
  return router;
}
