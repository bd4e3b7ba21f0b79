// POST /v1/sync (admin): starts a sync in the background and answers its run id.

import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../audit/record-audit.ts';
import type { AppDeps } from '../deps.ts';
import { requireRole } from '../auth.ts';
import { HttpError, noQuery, parseOr400 } from '../errors.ts';

const body = z
  .strictObject({
    full: z.boolean().default(false),
    refreshLinks: z.boolean().default(false),
  })
  .default({ full: false, refreshLinks: false });

export function syncRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/sync', requireRole(deps.tokens, 'admin'), async (req, res) => {
    parseOr400(noQuery, req.query, 'query');
    const b = parseOr400(body, req.body ?? {}, 'body');
    const runId = deps.syncs.start({ full: b.full, refreshLinks: b.refreshLinks });
    if (runId === null)
      throw new HttpError(
        409,
        'busy',
        `a sync is already running (${deps.syncs.runningId ?? 'another instance'}); see GET /v1/runs`,
      );
    await recordAudit(deps, 'sync.manual', req.principal?.label ?? 'unknown', runId, {
      full: b.full,
      refreshLinks: b.refreshLinks,
    });
    res.status(202).json({ runId, status: 'started', links: { run: `/v1/runs/${runId}` } });
  });
  return router;
}
