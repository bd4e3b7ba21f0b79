// The Salesforce personality of the sandbox: an org built from the logical seed (or a saved
// state), served with Salesforce's REST, Tooling and Bulk 2.0 paths so jsforce talks to it
// unchanged. Limits are documented in services.ts; test controls (no token) live under
// /__sandbox/salesforce/:
//   GET  /api-usage          → { used, allocation }
//   POST /api-usage {used}   → sets today's API usage (e.g. close to the allocation)

import express, { Router } from 'express';
import { z } from 'zod';
import type {
  CrmResponse,
  Personality,
  PersonalityFactory,
  RateLimitOutcome,
  SandboxRequestInfo,
} from '../personality.ts';
import { ApiUsage, countsAsApiCall } from './api-usage.ts';
import { BulkJobStore } from './bulk-jobs.ts';
import { limitExceeded, SfApiError } from './errors.ts';
import { mutateOpportunities } from './mutate.ts';
import { dumpOrg, restoreOrg, serializeOrg } from './org-state.ts';
import { CursorStore } from './query-cursors.ts';
import { isPublicPath, salesforceRouteKey } from './route-keys.ts';
import { salesforceRouter } from './router.ts';
import { seedOrg } from './seed/seed-org.ts';
import { resolveSettings } from './services.ts';
import type { SfServices } from './services.ts';
import { SessionRegistry } from './sessions.ts';
import { FieldSecurity } from './store/field-access.ts';

const LIMITS_PATH = /^\/services\/data\/v\d+\.\d+\/limits\/?$/;

function errorResponse(err: SfApiError, headers?: Readonly<Record<string, string>>): CrmResponse {
  return headers === undefined
    ? { status: err.status, body: err.body() }
    : { status: err.status, headers, body: err.body() };
}

/** The answer Salesforce gives for an HTTP failure the core injects. */
export function salesforceFault(status: number): CrmResponse {
  switch (status) {
    case 401:
      return errorResponse(new SfApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'));
    case 403:
    case 429:
      // Salesforce has no 429 on the REST API: request limits answer 403.
      return errorResponse(limitExceeded());
    case 404:
      return errorResponse(new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist'));
    case 400:
      return errorResponse(new SfApiError(400, 'JSON_PARSER_ERROR', 'Unexpected character in request body'));
    case 502:
    case 503:
    case 504:
      return errorResponse(
        new SfApiError(status, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable, please try again later'),
      );
    default:
      return errorResponse(
        new SfApiError(
          status,
          'UNKNOWN_EXCEPTION',
          'An unexpected error occurred. Please include this ErrorId if you contact support: 1873526145-7201 (-1207294311)',
        ),
      );
  }
}

function rateLimiter(services: SfServices) {
  return (req: SandboxRequestInfo): RateLimitOutcome => {
    // The server's clock is the org's (a manual clock in tests), as the audit stamps are.
    const date = { Date: new Date(services.ctx.clock.now()).toUTCString() };
    if (!countsAsApiCall(req.path)) return { headers: date };
    const { usage, settings } = services;
    const over = settings.dailyLimit !== null && usage.used() >= settings.dailyLimit;
    // /limits stays readable past the allocation, so a client can see why it was refused.
    if (over && !LIMITS_PATH.test(req.path)) {
      const headers = { ...date, 'Sforce-Limit-Info': usage.header() };
      return { headers, reject: errorResponse(limitExceeded(), headers) };
    }
    usage.record();
    return { headers: { ...date, 'Sforce-Limit-Info': usage.header() } };
  };
}

function adminRouter(services: SfServices): Router {
  const router = Router();
  router.use(express.json());
  router.get('/api-usage', (_req, res) => {
    res.json({ used: services.usage.used(), allocation: services.usage.allocation });
  });
  router.post('/api-usage', (req, res) => {
    const parsed = z.object({ used: z.number().int().min(0) }).safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"used": N}' });
      return;
    }
    services.usage.set(parsed.data.used);
    res.json({ used: services.usage.used(), allocation: services.usage.allocation });
  });
  return router;
}

/** The Salesforce personality, with what its other surfaces need. */
export interface SalesforcePersonality extends Personality {
  readonly crm: 'salesforce';
  /** The user id a live access token acts as, or null (unknown, expired or revoked token). */
  authenticate(accessToken: string): string | null;
}

export function isSalesforcePersonality(p: Personality): p is SalesforcePersonality {
  return p.crm === 'salesforce' && 'authenticate' in p;
}

export const createSalesforcePersonality: PersonalityFactory = (init, ctx) => {
  const now = (): number => ctx.clock.now();
  const settings = resolveSettings(ctx);
  const usage = new ApiUsage(ctx.clock, settings.allocation);
  let built: { org: SfServices['org']; integrationUserId: string };
  if (init.from === 'seed')
    built = seedOrg(init.seed, ctx.options.fields, now, { multiCurrency: settings.multiCurrency });
  else {
    const restored = restoreOrg(init.saved, now);
    usage.restore(restored.state.usage);
    built = { org: restored.org, integrationUserId: restored.state.integrationUserId };
  }
  const { org, integrationUserId } = built;
  const services: SfServices = {
    org,
    security: new FieldSecurity(org),
    sessions: new SessionRegistry(integrationUserId, ctx.tokens),
    usage,
    cursors: new CursorStore(),
    jobs: new BulkJobStore(),
    settings,
    ctx,
  };
  const personality: SalesforcePersonality = {
    crm: 'salesforce',
    router: salesforceRouter(services),
    adminRouter: adminRouter(services),
    routeKey: salesforceRouteKey,
    isPublic: isPublicPath,
    // Salesforce answers 401 INVALID_SESSION_ID for a token it did not issue or that expired.
    strictTokens: true,
    authenticate: (accessToken) => services.sessions.authenticate(accessToken),
    authFailure: () => salesforceFault(401),
    faultResponse: salesforceFault,
    rateLimit: rateLimiter(services),
    dumpState: () => ({ salesforce: dumpOrg(org) }),
    mutate: (count) => mutateOpportunities(org, ctx.rng, count, integrationUserId),
    serialize: () => serializeOrg(org, integrationUserId, usage.snapshot()),
  };
  return personality;
};
