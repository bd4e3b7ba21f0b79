// The HubSpot endpoints the connector calls, one function each, on the paths of the configured
// API generation (api-paths.ts) through our HubspotApi (limits, retries, counts, zod). Endpoint
// keys name the templated path, as `callStats()` reports them. The request bodies are the same
// on the date-versioned and the legacy paths (HubSpot's published OpenAPI documents).

import type { z } from 'zod';
import { CrmError } from '../port.ts';
import { PROVIDER } from './failures.ts';
import type { HubspotApi } from './hubspot-api.ts';
import type { HubspotObject } from './field-map.ts';
import {
  accountInfoRaw,
  associationBatchRaw,
  groupListRaw,
  groupRaw,
  hubspotBatchRaw,
  hubspotPageRaw,
  pipelinesRaw,
  propertyBatchRaw,
  propertyListRaw,
  propertyRaw,
  tokenRaw,
  type AssociationBatchRaw,
  type HubspotBatchRaw,
  type HubspotPageRaw,
  type PipelinesRaw,
  type PropertyRaw,
} from './raw-schemas.ts';

/** HubSpot's documented page and batch sizes. */
export const LIST_PAGE = 100;
export const SEARCH_PAGE = 200;
export const BATCH = 100;
export const HISTORY_BATCH = 50;
export const ASSOCIATION_BATCH = 1000;
export const SEARCH_BODY_MAX = 3000;

export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'GT' | 'GTE' | 'LT' | 'LTE' | 'IN' | 'BETWEEN' | 'HAS_PROPERTY';
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchRequest {
  /** Filter groups: filters AND-ed within a group, groups OR-ed; [] for every record. */
  groups: SearchFilter[][];
  properties: string[];
  /** Keyset position: only ids above it (results are sorted by hs_object_id). */
  afterId: string | null;
  limit?: number;
}

/** GET /crm/objects/{version}/{type} — id-ordered list; the right tool for full loads (no 10k cap). */
export function listObjects(
  api: HubspotApi,
  type: HubspotObject,
  properties: readonly string[],
  after: string | null,
  archived = false,
): Promise<HubspotPageRaw> {
  const path = api.paths.objects(type);
  return api.request(`GET ${path}`, 'read', hubspotPageRaw, {
    method: 'GET',
    path,
    query: {
      limit: String(LIST_PAGE),
      after: after ?? undefined,
      properties,
      archived: String(archived),
    },
  });
}

/**
 * POST /crm/objects/{version}/{type}/search — filters AND-ed, sorted by hs_object_id, keyset-paged with
 * `hs_object_id > afterId` so a query never pages towards the 10,000-result cap.
 * https://developers.hubspot.com/docs/api-reference/search/guide
 */
export function searchObjects(api: HubspotApi, type: HubspotObject, request: SearchRequest): Promise<HubspotPageRaw> {
  const after: SearchFilter[] =
    request.afterId === null ? [] : [{ propertyName: 'hs_object_id', operator: 'GT', value: request.afterId }];
  // The keyset condition goes into every group (groups are OR-ed); no filter at all: no group.
  const groups = (request.groups.length > 0 ? request.groups : [[]])
    .map((g) => [...g, ...after])
    .filter((g) => g.length > 0);
  const body = {
    filterGroups: groups.map((filters) => ({ filters })),
    sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
    properties: [...request.properties],
    limit: request.limit ?? SEARCH_PAGE,
  };
  const size = JSON.stringify(body).length;
  if (size > SEARCH_BODY_MAX) {
    throw new CrmError({
      provider: PROVIDER,
      kind: 'invalid_request',
      code: 'SEARCH_BODY_TOO_LONG',
      message: `a ${type} search body would be ${size} characters (HubSpot accepts ${SEARCH_BODY_MAX}); map fewer or shorter property names`,
    });
  }
  const path = `${api.paths.objects(type)}/search`;
  return api.request(`POST ${path}`, 'search', hubspotPageRaw, { method: 'POST', path, json: body });
}

/** POST /crm/objects/{version}/{type}/batch/read (≤ 100 ids; ≤ 50 with history). */
export function batchRead(
  api: HubspotApi,
  type: HubspotObject,
  ids: readonly string[],
  properties: readonly string[],
  history: readonly string[] = [],
  archived = false,
): Promise<HubspotBatchRaw> {
  const path = `${api.paths.objects(type)}/batch/read`;
  return api.request(`POST ${path}`, 'read', hubspotBatchRaw, {
    method: 'POST',
    path,
    query: { archived: String(archived) },
    json: { inputs: ids.map((id) => ({ id })), properties: [...properties], propertiesWithHistory: [...history] },
  });
}

/**
 * POST /crm/objects/{version}/{type}/batch/update (≤ 100; one invalid input fails the batch, and
 * from 2026-09 the portal's validation rules apply: write-back.ts reads which input was refused).
 */
export function batchUpdate(
  api: HubspotApi,
  type: HubspotObject,
  inputs: readonly { id: string; properties: Record<string, string> }[],
): Promise<HubspotBatchRaw> {
  const path = `${api.paths.objects(type)}/batch/update`;
  return api.request(`POST ${path}`, 'write', hubspotBatchRaw, {
    method: 'POST',
    path,
    json: { inputs: inputs.map((i) => ({ id: i.id, properties: i.properties })) },
  });
}

export interface CreateInput {
  properties: Record<string, string>;
  associations: { toId: string; typeId: number }[];
  /** Echoed back per input by HubSpot (results and per-input errors), to tell inputs apart. */
  traceId?: string;
}

/**
 * POST /crm/objects/{version}/{type}/batch/create (≤ 100). Not idempotent, so never retried
 * blindly: the caller looks for what a failed attempt may have created first.
 */
export function batchCreate(
  api: HubspotApi,
  type: HubspotObject,
  inputs: readonly CreateInput[],
): Promise<HubspotBatchRaw> {
  const path = `${api.paths.objects(type)}/batch/create`;
  return api.request(
    `POST ${path}`,
    'write',
    hubspotBatchRaw,
    {
      method: 'POST',
      path,
      json: {
        inputs: inputs.map((i) => ({
          properties: i.properties,
          ...(i.traceId === undefined ? {} : { objectWriteTraceId: i.traceId }),
          associations: i.associations.map((a) => ({
            to: { id: a.toId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: a.typeId }],
          })),
        })),
      },
    },
    { retry: false },
  );
}

/** POST /crm/associations/{version}/{from}/{to}/batch/read (≤ 1,000 ids; v4 on the legacy paths). */
export function readAssociations(
  api: HubspotApi,
  from: HubspotObject,
  to: HubspotObject,
  ids: readonly string[],
): Promise<AssociationBatchRaw> {
  const path = `${api.paths.associations(from, to)}/batch/read`;
  return api.request(`POST ${path}`, 'read', associationBatchRaw, {
    method: 'POST',
    path,
    json: { inputs: ids.map((id) => ({ id })) },
  });
}

/** GET /crm/pipelines/{version}/deals — stages with metadata isClosed/probability. */
export function listPipelines(api: HubspotApi): Promise<PipelinesRaw> {
  const path = api.paths.pipelines('deals');
  return api.request(`GET ${path}`, 'read', pipelinesRaw, { method: 'GET', path });
}

/** GET /crm/properties/{version}/{type}. */
export async function listProperties(api: HubspotApi, type: HubspotObject): Promise<PropertyRaw[]> {
  const path = api.paths.properties(type);
  const page = await api.request(`GET ${path}`, 'read', propertyListRaw, {
    method: 'GET',
    path,
    query: { archived: 'false' },
  });
  return page.results;
}

/** POST /crm/properties/{version}/{type}/batch/read — only the named ones (smaller than a full list). */
export async function readProperties(
  api: HubspotApi,
  type: HubspotObject,
  names: readonly string[],
): Promise<PropertyRaw[]> {
  const path = `${api.paths.properties(type)}/batch/read`;
  const page = await api.request(`POST ${path}`, 'read', propertyBatchRaw, {
    method: 'POST',
    path,
    json: { archived: false, inputs: names.map((name) => ({ name })) },
  });
  return page.results;
}

export interface PropertyInput {
  name?: string;
  label?: string;
  description?: string;
  groupName?: string;
  type?: string;
  fieldType?: string;
  hidden?: boolean;
  options?: { value: string; label: string; hidden: boolean; displayOrder?: number; description?: string }[];
}

export type PropertyCreateInput = PropertyInput &
  Required<Pick<PropertyInput, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'>>;

/** POST /crm/properties/{version}/{type}. */
export function createProperty(api: HubspotApi, type: HubspotObject, input: PropertyCreateInput): Promise<PropertyRaw> {
  const path = api.paths.properties(type);
  return api.request(`POST ${path}`, 'write', propertyRaw, { method: 'POST', path, json: input });
}

/** PATCH /crm/properties/{version}/{type}/{name} — `options` replaces the whole list. */
export function updateProperty(
  api: HubspotApi,
  type: HubspotObject,
  name: string,
  input: PropertyInput,
): Promise<PropertyRaw> {
  const base = api.paths.properties(type);
  return api.request(`PATCH ${base}/{propertyName}`, 'write', propertyRaw, {
    method: 'PATCH',
    path: `${base}/${encodeURIComponent(name)}`,
    json: input,
  });
}

/** GET /crm/properties/{version}/{type}/groups. */
export async function listGroups(
  api: HubspotApi,
  type: HubspotObject,
): Promise<z.infer<typeof groupListRaw>['results']> {
  const path = `${api.paths.properties(type)}/groups`;
  const page = await api.request(`GET ${path}`, 'read', groupListRaw, { method: 'GET', path });
  return page.results;
}

/** POST /crm/properties/{version}/{type}/groups. */
export function createGroup(
  api: HubspotApi,
  type: HubspotObject,
  name: string,
  label: string,
): Promise<z.infer<typeof groupRaw>> {
  const path = `${api.paths.properties(type)}/groups`;
  return api.request(`POST ${path}`, 'write', groupRaw, { method: 'POST', path, json: { name, label } });
}

/** PATCH /crm/properties/{version}/{type}/groups/{name}. */
export function updateGroup(
  api: HubspotApi,
  type: HubspotObject,
  name: string,
  label: string,
): Promise<z.infer<typeof groupRaw>> {
  const base = `${api.paths.properties(type)}/groups`;
  return api.request(`PATCH ${base}/{groupName}`, 'write', groupRaw, {
    method: 'PATCH',
    path: `${base}/${encodeURIComponent(name)}`,
    json: { label },
  });
}

/** POST /oauth/{version}/token (refresh_token grant, form-encoded; /oauth/v1/token on the legacy paths). */
export function refreshAccessToken(
  api: HubspotApi,
  clientId: string,
  clientSecret: string,
  refreshToken: string,
): Promise<z.infer<typeof tokenRaw>> {
  const path = api.paths.oauthToken();
  return api.request(`POST ${path}`, 'auth', tokenRaw, {
    method: 'POST',
    path,
    form: {
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    },
  });
}

/** GET /account-info/{version}/details — portal id, company currency. */
export function accountInfo(api: HubspotApi): Promise<z.infer<typeof accountInfoRaw>> {
  const path = api.paths.accountDetails();
  return api.request(`GET ${path}`, 'read', accountInfoRaw, { method: 'GET', path });
}

/** GET /crm/owners/{version}/{ownerId} (by user-facing owner id). */
export function readOwnerById<S extends z.ZodType>(api: HubspotApi, ownerId: string, schema: S): Promise<z.infer<S>> {
  const base = api.paths.owners();
  return api.request(`GET ${base}/{ownerId}`, 'read', schema, {
    method: 'GET',
    path: `${base}/${encodeURIComponent(ownerId)}`,
    query: { idProperty: 'id', archived: 'false' },
  });
}
