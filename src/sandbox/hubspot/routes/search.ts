// POST /crm/v3/objects/{type}/search — see ../search.ts for the semantics and limits.

import { Router } from 'express';
import { jsonBody, objectTypeParam, param, parseBody, rawBodyLength, type HubspotDeps } from '../http.ts';
import { checkSearchLimits, runSearch, searchBodySchema } from '../search.ts';

export function searchRoutes({ state, ctx }: HubspotDeps): Router {
  const router = Router();
  router.post('/crm/v3/objects/:objectType/search', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const body = parseBody(searchBodySchema, req.body);
    checkSearchLimits(body, rawBodyLength(req), ctx.limits);
    res.json(runSearch(state, type, body, ctx.clock.now(), ctx.limits));
  });
  return router;
}
