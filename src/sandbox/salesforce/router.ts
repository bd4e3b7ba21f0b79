// The Salesforce personality's express router: body parsing, every route set, and the error
// handler that answers SfApiError (and unreadable JSON) in Salesforce's error-array shape.

import express, { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { SfApiError } from './errors.ts';
import { bulkQueryRoutes } from './routes/bulk-query-routes.ts';
import { compositeRoutes } from './routes/composite-routes.ts';
import { oauthRoutes } from './routes/oauth-routes.ts';
import { queryRoutes } from './routes/query-routes.ts';
import { replicationRoutes } from './routes/replication-routes.ts';
import { sobjectRoutes } from './routes/sobject-routes.ts';
import { toolingRoutes } from './routes/tooling-routes.ts';
import { versionRoutes } from './routes/version-routes.ts';
import type { SfServices } from './services.ts';

function isBodyParseError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'type' in err && err.type === 'entity.parse.failed';
}

function errorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (err instanceof SfApiError) {
    res.status(err.status).json(err.body());
    return;
  }
  if (isBodyParseError(err)) {
    const message = err instanceof Error ? err.message : 'Unexpected character in JSON';
    res.status(400).json([{ message, errorCode: 'JSON_PARSER_ERROR' }]);
    return;
  }
  next(err);
}

export function salesforceRouter(services: SfServices): Router {
  const router = Router();
  router.use(oauthRoutes(services));
  router.use('/services/data', express.json({ limit: '50mb', type: ['application/json', 'application/*+json'] }));
  router.use(versionRoutes(services));
  router.use(queryRoutes(services));
  router.use(compositeRoutes(services));
  router.use(toolingRoutes(services));
  router.use(replicationRoutes(services));
  router.use(sobjectRoutes(services));
  router.use(bulkQueryRoutes(services));
  router.use('/services', (_req: Request, res: Response) => {
    res.status(404).json(new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist').body());
  });
  router.use(errorHandler);
  return router;
}
