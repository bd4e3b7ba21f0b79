// The HTTP API (product.md "HTTP API"): createApp(deps) builds the express app without
// listening, so tests drive it in-process. Roles follow product.md's table; every route but
// /healthz, /readyz and the signed webhook needs a bearer token (or a dashboard session).

import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../sync/deps.ts';
import type { SyncService } from '../sync/sync-service.ts';
import type { OidcSignIn } from './sso/oidc-sign-in.ts';
import { requireRole, type TokenEntry } from './auth.ts';
import { errorHandler, notFound } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { adminRoutes } from './routes/admin.ts';
import { financeRoutes } from './routes/finance.ts';
import { healthRoutes } from './routes/health.ts';
import { readRoutes } from './routes/read.ts';
import { syncRoutes } from './routes/sync.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { uiRoutes } from './ui/index.ts';

export interface Readiness {
  store: boolean;
  crm: boolean;
}

export interface AppDeps {
  config: LoadedConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  tokens: readonly TokenEntry[];
  /** The CRM account the service syncs (store rows are scoped by it). */
  account: () => Promise<string>;
  syncs: SyncService;
  /** Store and CRM reachability, for /readyz. */
  readiness: () => Promise<Readiness>;
  /** HUBSPOT_CLIENT_SECRET: verifies webhook signatures; without it the webhook route answers 404. */
  webhookSecret: string | undefined;
  /** Requests per minute per token (or per address without one). */
  rateLimitPerMinute?: number;
  /** Secret that signs dashboard session cookies (default: random per process). */
  sessionSecret?: string;
  /** Dashboard sign-in with the company's identity provider (auth.sso). */
  sso?: OidcSignIn | undefined;
}

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

  // Health and the signed webhook first: no token, no rate limit.
  app.use(healthRoutes(deps));
  app.use('/v1/webhooks', webhookRoutes(deps));

  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute ?? deps.config.config.server.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // one budget per credential; requests without one share their address's budget
      keyGenerator: (req) => req.get('authorization') ?? `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
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
  app.use(express.json({ limit: '1mb' }));
  app.get('/metrics', requireRole(deps.tokens, 'viewer'), async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use('/v1', readRoutes(deps), financeRoutes(deps), syncRoutes(deps), adminRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
