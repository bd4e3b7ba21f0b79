// GET /healthz (the process answers) and GET /readyz (store and CRM reachable). Open routes:
// they say nothing beyond ok / not ready.

import { Router } from 'express';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    let ready = false;
    try {
      const r = await deps.readiness();
      ready = r.store && r.crm;
      if (!ready) deps.logger.warn({ readiness: r }, 'not ready');
    } catch (err) {
      deps.logger.warn({ err }, 'readiness check failed');
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });
  return router;
}
