// Inspection and control routes under /__sandbox/ (no token needed; never rate limited or faulted):
//   GET  /__sandbox/stats          → { total, rateLimited, faults, byRoute: { "<route key>": { count, statuses } } }
//   DELETE /__sandbox/stats        → clears the counters
//   GET  /__sandbox/state          → records as stored ({ hubspot: {…} } / { salesforce: {…} })
//   POST /__sandbox/reset          → back to the seed data
//   POST /__sandbox/mutate {count} → { ids: [...] } (changed deals, modified date bumped)
//   POST /__sandbox/expire-tokens  → every token in use so far answers 401
//   /__sandbox/{crm}/…             → the personality's own test controls (adminRouter)

import express, { Router } from 'express';
import { z } from 'zod';
import type { Personality } from './personality.ts';
import type { SandboxState } from './sandbox-state.ts';

const mutateBody = z.object({ count: z.number().int().min(0).max(1_000_000) });

export function inspectionRouter(state: SandboxState, current: () => Personality): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));
  router.get('/stats', (_req, res) => {
    res.json(state.stats());
  });
  router.delete('/stats', (_req, res) => {
    state.resetStats();
    res.status(204).end();
  });
  router.get('/state', (_req, res) => {
    res.json(state.dump());
  });
  router.post('/reset', (_req, res) => {
    state.reset();
    res.json({ ok: true });
  });
  router.post('/mutate', (req, res) => {
    const parsed = mutateBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"count": N} with N a non-negative integer' });
      return;
    }
    res.json({ ids: state.mutate(parsed.data.count) });
  });
  router.post('/expire-tokens', (_req, res) => {
    state.expireTokens();
    res.json({ ok: true });
  });
  router.use('/:crm', (req, res, next) => {
    const personality = current();
    if (req.params.crm !== personality.crm || !personality.adminRouter) {
      next();
      return;
    }
    personality.adminRouter(req, res, next);
  });
  router.use((_req, res) => {
    res.status(404).json({ error: 'unknown sandbox inspection route' });
  });
  return router;
}
