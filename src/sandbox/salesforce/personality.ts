// The Salesforce personality of the sandbox: an org built from the logical seed (or a saved
// state), served with Salesforce's REST, Tooling and Bulk 2.0 paths so jsforce talks to it
// unchanged. Limits are documented in services.ts; test controls (no token) live under
// /__sandbox/salesforce/:
//   GET  /api-usage          → { used, allocation }
//   POST /api-usage {used}   → sets today's API usage (e.g. close to the allocation)
//   POST /opportunity-partners {opportunityId, accountToId, role?} → a new influencer link
//   /change-events/…         → change-event controls (see changeEventRoutes)

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
import { ChangeLog } from './pubsub/change-log.ts';
import { CHANGE_TYPES } from './pubsub/change-schema.ts';
import { selectDefaultChangeEvents } from './pubsub/channel-members.ts';
import { createRng } from '../rng.ts';
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


const gapBody = z.object({
  entity: z.string().min(1),
  ids: z.array(z.string().min(15)).min(1),
  changeType: z.enum(CHANGE_TYPES).optional(),
});

/**
 * Change-event controls under /__sandbox/salesforce/change-events:
 *   GET  /                      → { retentionSeconds, events: [{ replayId, topic, header }] }
 *   POST /retention {seconds}   → events older than this are purged (replay ids before them expire)
 *   POST /gap {entity, ids, changeType?} → a GAP_* event naming these records
 *   POST /overflow {entity}     → a GAP_OVERFLOW event
 */
function changeEventRoutes(router: Router, log: ChangeLog): void {
  router.get('/change-events', (_req, res) => {
    res.json({
      retentionSeconds: log.retentionMs / 1000,
      events: log.list().map((e) => ({ replayId: e.replayId.toString(), topic: e.topic, header: e.header })),
    });
  });
  router.post('/change-events/retention', (req, res) => {
    const parsed = z.object({ seconds: z.number().min(0) }).safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"seconds": N}' });
      return;
    }
    log.retentionMs = parsed.data.seconds * 1000;
    res.json({ retentionSeconds: parsed.data.seconds, earliest: log.earliest().toString() });
  });
  router.post('/change-events/gap', (req, res) => {
    const parsed = gapBody.safeParse(req.body);
    if (!parsed.success) {
      res
        .status(400)
        .json({ error: 'body must be {"entity": "Opportunity", "ids": [...], "changeType"?: "GAP_UPDATE"}' });
      return;
    }
    log.gap(parsed.data.entity, parsed.data.ids, parsed.data.changeType);
    res.json({ ok: true });
  });
  router.post('/change-events/overflow', (req, res) => {
    const parsed = z.object({ entity: z.string().min(1) }).safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"entity": "Opportunity"}' });
      return;
    }
    log.overflow(parsed.data.entity);
    res.json({ ok: true });
  });
}

/** Someone other than the integration user, to make `mutate` look like a rep's edit. */
function editorOf(org: SfServices['org'], integrationUserId: string): string {
  for (const row of org.table('User')?.rows.values() ?? [])
    if (row['Id'] !== integrationUserId) return String(row['Id']);
  return integrationUserId;
}

const partnerLinkBody = z.object({
  opportunityId: z.string().min(15),
  accountToId: z.string().min(15),
  role: z.string().min(1).default('Consultant'),
});

function adminRouter(services: SfServices, log: ChangeLog, editor: string): Router {
  const router = Router();
  router.use(express.json());
  changeEventRoutes(router, log);
  // POST /opportunity-partners {opportunityId, accountToId, role?}: a rep adds a partner to an
  // opportunity (in Salesforce a Partner record, which creates the OpportunityPartner row)
  router.post('/opportunity-partners', (req, res) => {
    const parsed = partnerLinkBody.safeParse(req.body);
    const { org } = services;
    if (
      !parsed.success ||
      org.find(parsed.data.opportunityId) === undefined ||
      org.find(parsed.data.accountToId) === undefined
    ) {
      res
        .status(400)
        .json({ error: 'body must be {"opportunityId": …, "accountToId": …, "role"?: …} naming existing records' });
      return;
    }
    const row = org.insert(
      'OpportunityPartner',
      {
        OpportunityId: parsed.data.opportunityId,
        AccountToId: parsed.data.accountToId,
        Role: parsed.data.role,
        IsPrimary: false,
      },
      editor,
    );
    services.ctx.markDirty();
    res.status(201).json({ id: row['Id'] });
  });
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
/** The sandbox's Salesforce personality: its sessions, and its change-event bus (served by pubsub-server.ts). */
export interface SalesforcePersonality extends Personality {
  readonly crm: 'salesforce';
  readonly changeLog: ChangeLog;
  readonly orgId: string;
  /** The user id a live access token acts as, or null (unknown, expired or revoked token). */
  authenticate(accessToken: string): string | null;
}

export function isSalesforcePersonality(p: Personality): p is SalesforcePersonality {
  return p.crm === 'salesforce' && 'authenticate' in p && 'changeLog' in p;
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
  if (init.from === 'seed' && ctx.options.fields === 'provisioned') selectDefaultChangeEvents(org, integrationUserId);
  // Own random stream: change events must not shift the seeded stream `mutate` and ids draw from.
  const changeLog = new ChangeLog(org, ctx.clock, createRng(0x0cdc));
  org.onWrite = (write) => {
    changeLog.record(write);
  };
  const editor = editorOf(org, integrationUserId);
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
    changeLog,
    orgId: org.orgId,
    router: salesforceRouter(services),
    adminRouter: adminRouter(services, changeLog, editor),
    routeKey: salesforceRouteKey,
    isPublic: isPublicPath,
    // Salesforce answers 401 INVALID_SESSION_ID for a token it did not issue or that expired.
    strictTokens: true,
    authenticate: (accessToken) => services.sessions.authenticate(accessToken),
    authFailure: () => salesforceFault(401),
    faultResponse: salesforceFault,
    rateLimit: rateLimiter(services),
    dumpState: () => ({ salesforce: dumpOrg(org) }),
    mutate: (count) => mutateOpportunities(org, ctx.rng, count, editor),
    serialize: () => serializeOrg(org, integrationUserId, usage.snapshot()),
  };
  return personality;
};
