// Viewer routes: runs, partners, recipes, KPIs (docs/product.md "HTTP API").

import { Router } from 'express';
import { z } from 'zod';
import { parsePeriod } from '../../domain/time.ts';
import type { RunRecord } from '../../store/store.ts';
import {
  listRuns,
  getRun,
  listPartners,
  getPartner,
  kpis,
  recipeFlags,
  writeFailures,
  type PartnerView,
} from '../../sync/queries.ts';
import type { AppDeps } from '../deps.ts';
import { requireRole } from '../auth.ts';
import { HttpError, noQuery, parseOr400 } from '../errors.ts';
import { ledgerErrors } from './finance.ts';

const periodText = z
  .string({ error: 'write one period: YYYY-MM, YYYY-Qn or YYYY' })
  .refine((t) => parsePeriod(t) !== null, { error: 'write YYYY-MM (month 01 to 12), YYYY-Qn (n 1 to 4) or YYYY' });

const runsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const partnersQuery = z.strictObject({
  band: z.enum(['healthy', 'watch', 'at_risk']).optional(),
  recipe: z.string().min(1).optional(),
  tier: z.string().min(1).optional(),
  q: z.string().min(1).max(200).optional(),
});
const kpisQuery = z.strictObject({ period: periodText.optional() });
const idParam = z.strictObject({ id: z.string().min(1).max(200) });

function matches(p: PartnerView, f: z.output<typeof partnersQuery>): boolean {
  if (f.band !== undefined && p.latest?.health.band !== f.band) return false;
  if (f.recipe !== undefined && p.recipe !== f.recipe) return false;
  if (f.tier !== undefined && p.latest?.tier !== f.tier) return false;
  if (f.q !== undefined && !`${p.id} ${p.name}`.toLowerCase().includes(f.q.toLowerCase())) return false;
  return true;
}

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
    res.json({ runs: (await listRuns(deps, await deps.account(), q.limit)).map(runJson) });
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
    const partners = (await listPartners(deps, await deps.account())).filter((p) => matches(p, q));
    res.json({ partners });
  });
  router.get('/partners/:id', viewer, async (req, res) => {
    const { id } = parseOr400(idParam, req.params, 'params');
    parseOr400(noQuery, req.query, 'query');
    const partner = await getPartner(deps, await deps.account(), id);
    if (partner === null) throw new HttpError(404, 'not_found', `no partner ${id}`);
    res.json(partner);
  });
  router.get('/recipes', viewer, async (req, res) => {
    const q = parseOr400(kpisQuery, req.query, 'query');
    const account = await deps.account();
    const current = await ledgerErrors(async () => kpis(deps, account, q.period));
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
    res.json({ period: current.period, flagWindow: flags.window, recipes });
  });
  router.get('/kpis', viewer, async (req, res) => {
    const q = parseOr400(kpisQuery, req.query, 'query');
    res.json(await ledgerErrors(async () => kpis(deps, await deps.account(), q.period)));
  });
  return router;
}
