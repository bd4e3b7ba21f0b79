// Deal pipelines with stage metadata (`isClosed`, `probability` — "1.0" means won), owners, and the
// account's details (portal id, company currency, time zone).
// https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide
// https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide
// https://developers.hubspot.com/docs/api-reference/settings-account-information-v3/guide

import { Router } from 'express';
import { notFound } from '../errors.ts';
import { boolParam, intParam, param, type HubspotDeps } from '../http.ts';
import type { HsOwner, HsPipeline, HsPipelineStage } from '../state.ts';

export function pipelineOwnerRoutes({ state }: HubspotDeps): Router {
  const router = Router();
  const iso = (ms: number): string => new Date(ms).toISOString();

  const stageToApi = (p: HsPipeline, s: HsPipelineStage): Record<string, unknown> => ({
    id: s.id,
    label: s.label,
    displayOrder: s.displayOrder,
    metadata: { isClosed: String(s.isClosed), probability: s.probability.toFixed(1) },
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.createdAt),
    archived: false,
    writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
  });
  const pipelineToApi = (p: HsPipeline): Record<string, unknown> => ({
    id: p.id,
    label: p.label,
    displayOrder: p.displayOrder,
    stages: p.stages.map((s) => stageToApi(p, s)),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.createdAt),
    archived: false,
  });
  const pipeline = (objectType: string, id: string): HsPipeline => {
    const found = objectType === 'deals' || objectType === '0-3' ? state.pipelines.find((p) => p.id === id) : undefined;
    if (!found) throw notFound(`Unable to find pipeline ${id}`);
    return found;
  };

  router.get('/account-info/v3/details', (_req, res) => {
    // the sandbox account keeps its books in US dollars, in New York time (the seed's base currency)
    res.json({
      portalId: state.portalId,
      accountType: 'STANDARD',
      timeZone: 'US/Eastern',
      companyCurrency: 'USD',
      additionalCurrencies: ['EUR', 'GBP', 'CAD', 'JPY'],
      utcOffset: '-05:00',
      utcOffsetMilliseconds: -18_000_000,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    });
  });

  router.get('/crm/v3/pipelines/:objectType', (req, res) => {
    const deals = param(req, 'objectType') === 'deals' || param(req, 'objectType') === '0-3';
    res.json({ results: deals ? state.pipelines.map(pipelineToApi) : [] });
  });
  router.get('/crm/v3/pipelines/:objectType/:pipelineId', (req, res) => {
    res.json(pipelineToApi(pipeline(param(req, 'objectType'), param(req, 'pipelineId'))));
  });
  router.get('/crm/v3/pipelines/:objectType/:pipelineId/stages', (req, res) => {
    const p = pipeline(param(req, 'objectType'), param(req, 'pipelineId'));
    res.json({ results: p.stages.map((s) => stageToApi(p, s)) });
  });
  router.get('/crm/v3/pipelines/:objectType/:pipelineId/stages/:stageId', (req, res) => {
    const p = pipeline(param(req, 'objectType'), param(req, 'pipelineId'));
    const stage = p.stages.find((s) => s.id === param(req, 'stageId'));
    if (!stage) throw notFound(`Unable to find stage ${param(req, 'stageId')}`);
    res.json(stageToApi(p, stage));
  });

  const ownerToApi = (o: HsOwner): Record<string, unknown> => ({
    id: o.id,
    email: o.email,
    type: 'PERSON',
    firstName: o.firstName,
    lastName: o.lastName,
    userId: o.userId,
    userIdIncludingInactive: o.userId,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.createdAt),
    archived: o.archived,
    teams: [],
  });
  // The SDK asks for "/crm/v3/owners/" (trailing slash); express matches both.
  router.get('/crm/v3/owners', (req, res) => {
    const archived = boolParam(req.query['archived']);
    const email = typeof req.query['email'] === 'string' ? req.query['email'].toLowerCase() : null;
    const all = state.owners.filter((o) => o.archived === archived && (email === null || o.email === email));
    const after = intParam(req.query['after'], 0);
    const limit = Math.min(intParam(req.query['limit'], 100), 500);
    const page = all.slice(after, after + limit);
    const body: Record<string, unknown> = { results: page.map(ownerToApi) };
    if (after + limit < all.length) body['paging'] = { next: { after: String(after + limit) } };
    res.json(body);
  });
  router.get('/crm/v3/owners/:ownerId', (req, res) => {
    const owner = state.owners.find(
      (o) =>
        o.id === param(req, 'ownerId') ||
        (req.query['idProperty'] === 'userId' && String(o.userId) === param(req, 'ownerId')),
    );
    if (!owner) throw notFound(`Owner ${param(req, 'ownerId')} not found`);
    res.json(ownerToApi(owner));
  });
  return router;
}
