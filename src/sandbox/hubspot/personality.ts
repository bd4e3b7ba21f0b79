// The HubSpot personality: routes, errors, limits and state of a HubSpot account, plus the
// sandbox-only controls (`mutate`, moving a deal's company without bumping its modified date).
//
// Limit names for `limitOverrides` (value or false): hubspot.search.pageSize (200),
// hubspot.search.maxResults (10000), hubspot.search.bodyChars (3000), hubspot.search.filterGroups (5),
// hubspot.search.filtersPerGroup (6), hubspot.search.filters (18), hubspot.search.sorts (1),
// hubspot.search.perSecond (5), hubspot.tenSecondly (190), hubspot.daily (625000 or --daily-limit),
// hubspot.batch (100), hubspot.associations.batch (1000), hubspot.list.pageSize (100),
// hubspot.history.pageSize (50).

import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Personality, PersonalityContext, PersonalityFactory, PersonalityInit } from '../personality.ts';
import { sendCrmResponse } from '../respond.ts';
import { param } from './http.ts';
import { authFailureResponse, HubspotError, statusResponse } from './errors.ts';
import { DEAL_TO_COMPANY, DEAL_TO_COMPANY_PRIMARY, OBJECT_TYPES } from './object-types.ts';
import { createHubspotRateLimiter } from './rate-limit.ts';
import { writeProps, hideFromSearch } from './records.ts';
import { JOURNAL_RETENTION_MS, SandboxJournal } from './journal.ts';
import { hubspotRouteKey } from './route-keys.ts';
import { associationRoutes } from './routes/associations.ts';
import { AppTokens, journalRouteKey, journalRoutes } from './routes/journal.ts';
import { objectRoutes } from './routes/objects.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { pipelineOwnerRoutes } from './routes/pipelines-owners.ts';
import { propertyRoutes } from './routes/properties.ts';
import { searchRoutes } from './routes/search.ts';
import { seedHubspot } from './seed.ts';
import { restoreHubspot, serializeHubspot } from './serialize.ts';
import type { HubspotState } from './state.ts';
import { recordToApi } from './to-api.ts';
import { versionedPaths } from './versions.ts';
import { portalRulesSchema, type PortalRules } from './portal-rules.ts';

/** A HubSpot personality with its extra, HubSpot-only controls. */
export interface HubspotPersonality extends Personality {
  readonly crm: 'hubspot';
  readonly state: HubspotState;
  /**
   * Makes `companyId` the deal's (primary) company, replacing the previous one, as a rep does in
   * the UI: the association changes, `hs_lastmodifieddate` does not.
   */
  setDealCompany(dealId: string, companyId: string): void;
  /** The webhooks journal (subscriptions and entries); `extra.journalRetentionSeconds` shortens its retention. */
  readonly journal: SandboxJournal;
  /** Replaces the portal's write validation rules (enforced on the 2026-09 paths). */
  setRules(rules: PortalRules): void;
}

export const createHubspotPersonality: PersonalityFactory = (init, ctx) => buildHubspot(init, ctx);

export function isHubspotPersonality(p: Personality): p is HubspotPersonality {
  return p.crm === 'hubspot' && 'setDealCompany' in p;
}

function buildHubspot(init: PersonalityInit, ctx: PersonalityContext): HubspotPersonality {
  const state =
    init.from === 'seed'
      ? seedHubspot(init.seed, ctx.options.fields, ctx.options.timezone)
      : restoreHubspot(init.saved);
  const deps = { state, ctx };
  const retention = ctx.options.extra['journalRetentionSeconds'];
  const journal = new SandboxJournal(state, ctx.clock, {
    retentionMs: typeof retention === 'number' ? retention * 1000 : JOURNAL_RETENTION_MS,
    saved: init.from === 'saved' ? (init.saved as { journal?: unknown }).journal : undefined,
  });
  const router = Router();
  router.use(
    versionedPaths,
    // A write answered means the account changed (property definitions included): search's kept
    // answers (search.ts) go stale. Bumped as the answer is sent, in the same tick as the write.
    (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && !/\/(search|batch\/read)$/.test(req.path)) {
        const end = res.end.bind(res) as (...args: unknown[]) => Response;
        res.end = ((...args: unknown[]) => {
          state.generation += 1;
          return end(...args);
        }) as Response['end'];
      }
      next();
    },
    journalRoutes(deps, journal, new AppTokens()),
    oauthRoutes(deps),
    propertyRoutes(deps),
    searchRoutes(deps),
    objectRoutes(deps),
    associationRoutes(deps),
    pipelineOwnerRoutes(deps),
  );
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof HubspotError) sendCrmResponse(res, err.toResponse());
    else next(err);
  });

  const setDealCompany = (dealId: string, companyId: string): void => {
    const deal = state.tables.deals.get(dealId);
    const company = state.tables.companies.get(companyId);
    if (!deal) throw new HubspotError(404, 'OBJECT_NOT_FOUND', `No deal ${dealId}`);
    if (!company) throw new HubspotError(404, 'OBJECT_NOT_FOUND', `No company ${companyId}`);
    for (const link of [...state.associations.list('deals', dealId, 'companies')])
      state.associations.remove('deals', dealId, 'companies', link.toId);
    state.associations.add('deals', dealId, 'companies', companyId, [DEAL_TO_COMPANY, DEAL_TO_COMPANY_PRIMARY]);
    journal.flush(); // one control, one journal entry
    ctx.markDirty();
  };

  return {
    crm: 'hubspot',
    state,
    router,
    adminRouter: adminRouter(
      setDealCompany,
      journal,
      (rules) => {
        state.rules = rules;
      },
      (token, perTenSeconds) => {
        const app = state.appOf(token);
        if (perTenSeconds > 0) state.externalLoads.set(app, perTenSeconds);
        else state.externalLoads.delete(app);
        return app;
      },
    ),
    routeKey: (method, path) => hubspotRouteKey(method, path) ?? journalRouteKey(method, path),
    isPublic: (_method, path) =>
      path.startsWith('/oauth/v1/') || /^\/oauth\/2026-0[39]\/token$/.test(path) || path.startsWith('/journal-files/'),
    authFailure: authFailureResponse,
    faultResponse: statusResponse,
    rateLimit: createHubspotRateLimiter(ctx, {
      appOf: (token) => state.appOf(token),
      externalLoad: (app) => state.externalLoads.get(app) ?? 0,
    }),
    dumpState: () => dumpHubspot(state),
    mutate: (count) => {
      const changed = mutateDeals(state, ctx, count);
      journal.flush();
      return changed;
    },
    serialize: () => ({ ...serializeHubspot(state), journal: journal.serialize() }),
    setDealCompany,
    journal,
    setRules: (rules) => {
      state.rules = rules;
    },
  };
}

/** `GET /__sandbox/state`: every record with every stored property (computed ones included). */
function dumpHubspot(state: HubspotState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of OBJECT_TYPES) {
    const names = [...state.properties[type].keys()];
    const toTypes = OBJECT_TYPES.filter((t) => t !== type);
    out[type] = state.tables[type].all().map((r) => {
      const api = recordToApi(state, type, r, { properties: names });
      api['properties'] = Object.fromEntries(
        Object.entries(api['properties'] as Record<string, string | null>).filter(([, v]) => v !== null),
      );
      const associations: Record<string, unknown> = {};
      for (const to of toTypes) {
        const links = state.associations.list(type, r.id, to);
        if (links.length > 0) associations[to] = links.map((l) => ({ id: l.toId, typeIds: [...l.typeIds] }));
      }
      return Object.keys(associations).length > 0 ? { ...api, associations } : api;
    });
  }
  out['owners'] = state.owners.map((o) => ({ ...o, createdAt: new Date(o.createdAt).toISOString() }));
  out['pipelines'] = state.pipelines.map((p) => ({ ...p, createdAt: new Date(p.createdAt).toISOString() }));
  return { hubspot: out };
}

/** Changes `count` random live deals' amount or stage (within their pipeline), bumping the modified date. */
function mutateDeals(state: HubspotState, ctx: PersonalityContext, count: number): string[] {
  const deals = state.tables.deals.all().filter((d) => d.archivedAt === null);
  const picked = new Set<number>();
  const want = Math.min(count, deals.length);
  while (picked.size < want) picked.add(ctx.rng.int(0, deals.length - 1));
  const now = ctx.clock.now();
  const changed: string[] = [];
  for (const index of [...picked].sort((a, b) => a - b)) {
    const deal = deals[index];
    if (!deal) continue;
    const pipeline = state.pipelines.find((p) => p.id === deal.props['pipeline']) ?? state.pipelines[0];
    const others = pipeline?.stages.filter((s) => s.id !== deal.props['dealstage']) ?? [];
    const values: Record<string, string> =
      ctx.rng.chance(0.5) || others.length === 0
        ? { amount: String(ctx.rng.int(500, 250_000)) }
        : { dealstage: ctx.rng.pick(others).id };
    hideFromSearch(deal, now, ctx.options.searchLagMs, false);
    writeProps(deal, values, now, 'CRM_UI');
    deal.updatedAt = now;
    state.recordChanged(deal, 'UPDATE', Object.keys(values));
    changed.push(deal.id);
  }
  ctx.markDirty();
  return changed;
}

const externalLoadBody = z.object({ token: z.string().min(1), perTenSeconds: z.number().int().min(0).max(100_000) });

const setCompanyBody = z.object({ companyId: z.union([z.string(), z.number()]).transform(String) });

const retentionBody = z.object({ seconds: z.number().min(0) });

/**
 * `POST /__sandbox/hubspot/deals/{id}/company {companyId}` — a link change that leaves the modified date alone;
 * `GET /__sandbox/hubspot/journal` — the journal's entries and subscriptions;
 * `POST /__sandbox/hubspot/journal/retention {seconds}` — shortens (or restores) the journal's retention;
 * `POST /__sandbox/hubspot/rules {requiredWhen, requiredOnCreate, deniedAssociations, nameInputs}` — the
 * portal's write validation rules (portal-rules.ts);
 * `POST /__sandbox/hubspot/external-load {token, perTenSeconds}` — another client of the token's app
 * keeps using that many requests of its ten-second budget (0 stops it).
 */
function adminRouter(
  setDealCompany: (dealId: string, companyId: string) => void,
  journal: SandboxJournal,
  setRules: (rules: PortalRules) => void,
  setExternalLoad: (token: string, perTenSeconds: number) => string,
): Router {
  const router = Router();
  router.post('/external-load', express.json(), (req, res) => {
    const parsed = externalLoadBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"token": "…", "perTenSeconds": n} (0 stops the load)' });
      return;
    }
    const app = setExternalLoad(parsed.data.token, parsed.data.perTenSeconds);
    res.json({ ok: true, app, perTenSeconds: parsed.data.perTenSeconds });
  });
  router.get('/journal', (_req, res) => {
    res.json({ retentionMs: journal.retentionMs, subscriptions: journal.subscriptions(), entries: journal.entries() });
  });
  router.post('/journal/retention', express.json(), (req, res) => {
    const parsed = retentionBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"seconds": N} with N ≥ 0' });
      return;
    }
    journal.retentionMs = parsed.data.seconds * 1000;
    res.json({ ok: true, kept: journal.entries().length });
  });
  router.post('/rules', express.json(), (req, res) => {
    const parsed = portalRulesSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      res.status(400).json({ error: `rules: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}` });
      return;
    }
    setRules(parsed.data);
    res.json({ ok: true, rules: parsed.data });
  });
  router.post('/deals/:dealId/company', express.json(), (req, res) => {
    const parsed = setCompanyBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'body must be {"companyId": "…"}' });
      return;
    }
    try {
      setDealCompany(param(req, 'dealId'), parsed.data.companyId);
      res.json({ ok: true });
    } catch (err) {
      if (!(err instanceof HubspotError)) throw err;
      res.status(err.status).json({ error: err.message });
    }
  });
  return router;
}
