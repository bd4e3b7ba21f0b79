// The HTTP API (docs/product.md "HTTP API"): createApp(deps) builds the express app without
// listening, so tests drive it in-process. Roles follow docs/product.md's table; every route but
// /healthz, /readyz and the signed webhook needs a bearer token (or a dashboard session), and
// the API reads no body before the caller is authenticated (body-limits.ts).

import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { identifyBearer, requireRole } from './auth.ts';
import { authenticatedJsonBody, declaredBodyCap, rawBody } from './body-limits.ts';
import type { AppDeps } from './deps.ts';
import { errorHandler, notFound } from './errors.ts';
import { adminRoutes } from './routes/admin.ts';
import { financeRoutes } from './routes/finance.ts';
import { healthRoutes } from './routes/health.ts';
import { payoutRoutes } from './routes/payouts.ts';
import { readRoutes } from './routes/read.ts';
import { syncRoutes } from './routes/sync.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { uiRoutes } from './ui/index.ts';
import { partnerRoutes } from './partner/partner-routes.ts';
import { partnerUserRoutes } from './routes/partner-users.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestIds(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
  res.locals['requestId'] = id;
  res.set('X-Request-Id', id);
  next();
}

function accessLog(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      const label = route === undefined ? 'unmatched' : `${req.baseUrl}${route}`;
      deps.metrics.httpRequests.inc({ route: `${req.method} ${label}`, status: String(res.statusCode) });
      deps.logger.info(
        {
          requestId: res.locals['requestId'] as unknown,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - start) / 1_000_000n),
          principal: req.principal?.label,
        },
        'request',
      );
    });
    next();
  };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.config.server.trustProxy);
  app.use(requestIds, accessLog(deps));
  // A body declared larger than the cap is refused before anything reads it, on every route.
  app.use(declaredBodyCap);

  // Health and the signed webhook first: no token, no rate limit. The webhook's raw bytes are
  // read here, capped and depth-checked, for the receiver to verify their signature.
  app.use(healthRoutes(deps));
  app.use('/v1/webhooks', rawBody(), webhookRoutes(deps));

  app.use(identifyBearer(deps.tokens));
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute ?? deps.config.config.server.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: rateLimitKey,
      handler: (_req, res) => {
        res.status(429).json({
          error: {
            code: 'rate_limited',
            message: 'too many requests; slow down and retry after the Retry-After header',
            details: null,
          },
        });
      },
    }),
  );

  app.use('/ui', uiRoutes(deps));
  // partner users (issue 19): their own sessions, pages and API, nothing else
  app.use('/partner', partnerRoutes(deps));
  app.use(authenticatedJsonBody(deps.tokens));
  app.get('/metrics', requireRole(deps.tokens, 'viewer'), async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use(
    '/v1',
    readRoutes(deps),
    financeRoutes(deps),
    payoutRoutes(deps),
    syncRoutes(deps),
    adminRoutes(deps),
    partnerUserRoutes(deps),
  );
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

export type { AppDeps, Readiness } from './deps.ts';
/**
 * One budget per verified token entry, however its Authorization header is spelled; everything
 * else (no header, a junk one, a wrong token) shares the budget of its client address, which
 * is the forwarded one only behind a trusted proxy (server.trustProxy).
 */
export function rateLimitKey(req: Request): string {
  if (req.principal?.via === 'token') return `token:${req.principal.label}`;
  return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}
