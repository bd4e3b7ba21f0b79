// The HubSpot endpoints the connector calls, one function each, through the SDK's generated
// methods and our HubspotApi (limits, retries, counts, zod). Endpoint keys name the templated
// path, as `callStats()` reports them.

import type { BatchInputPublicFetchAssociationsBatchRequest } from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import type {
  BatchInputSimplePublicObjectBatchInput,
  BatchInputSimplePublicObjectBatchInputForCreate,
  BatchReadInputSimplePublicObjectId,
  PublicObjectSearchRequest,
} from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import type {
  BatchReadInputPropertyName,
  PropertyCreate,
  PropertyGroupCreate,
  PropertyGroupUpdate,
  PropertyUpdate,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
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

/**
 * The SDK's request models are generated classes, yet it serialises any object field by field
 * (ObjectSerializer reads each attribute by name). We hand it plain JSON-shaped objects, checked
 * against the model's fields; its string enums are plain strings on the wire.
 */
type Plain<T> = T extends Date
  ? T
  : T extends string
    ? string
    : T extends readonly (infer U)[]
      ? Plain<U>[]
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

function model<T>(value: NoInfer<Plain<T>>): T {
  return value as unknown as T;
}

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

/** GET /crm/v3/objects/{type} — id-ordered list; the right tool for full loads (no 10k cap). https://developers.hubspot.com/docs/api-reference/crm-objects-v3/basic/get-crm-v3-objects-objectType */
export function listObjects(
  api: HubspotApi,
  type: HubspotObject,
  properties: readonly string[],
  after: string | null,
  archived = false,
): Promise<HubspotPageRaw> {
  return api.call(`GET /crm/v3/objects/${type}`, 'read', hubspotPageRaw, (sdk, o) =>
    sdk.crm.objects.basicApi.getPageWithHttpInfo(
      type,
      LIST_PAGE,
      after ?? undefined,
      [...properties],
      undefined,
      undefined,
      archived,
      o,
    ),
  );
}

/**
 * POST /crm/v3/objects/{type}/search — filters AND-ed, sorted by hs_object_id, keyset-paged with
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
    // The SDK types `sorts` as strings; the API documents sort objects, which it sends unchanged.
    sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }] as unknown as string[],
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
  return api.call(`POST /crm/v3/objects/${type}/search`, 'search', hubspotPageRaw, (sdk, o) =>
    sdk.crm.objects.searchApi.doSearchWithHttpInfo(type, model<PublicObjectSearchRequest>(body), o),
  );
}

/** POST /crm/v3/objects/{type}/batch/read (≤ 100 ids; ≤ 50 with history). https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/post-crm-v3-objects-objectType-batch-read */
export function batchRead(
  api: HubspotApi,
  type: HubspotObject,
  ids: readonly string[],
  properties: readonly string[],
  history: readonly string[] = [],
  archived = false,
): Promise<HubspotBatchRaw> {
  return api.call(`POST /crm/v3/objects/${type}/batch/read`, 'read', hubspotBatchRaw, (sdk, o) =>
    sdk.crm.objects.batchApi.readWithHttpInfo(
      type,
      model<BatchReadInputSimplePublicObjectId>({
        inputs: ids.map((id) => ({ id })),
        properties: [...properties],
        propertiesWithHistory: [...history],
      }),
      archived,
      o,
    ),
  );
}

/** POST /crm/v3/objects/{type}/batch/update (≤ 100; one invalid input fails the batch). https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/post-crm-v3-objects-objectType-batch-update */
export function batchUpdate(
  api: HubspotApi,
  type: HubspotObject,
  inputs: readonly { id: string; properties: Record<string, string> }[],
): Promise<HubspotBatchRaw> {
  return api.call(`POST /crm/v3/objects/${type}/batch/update`, 'write', hubspotBatchRaw, (sdk, o) =>
    sdk.crm.objects.batchApi.updateWithHttpInfo(
      type,
      model<BatchInputSimplePublicObjectBatchInput>({
        inputs: inputs.map((i) => ({ id: i.id, properties: i.properties })),
      }),
      o,
    ),
  );
}

export interface CreateInput {
  properties: Record<string, string>;
  associations: { toId: string; typeId: number }[];
}

/**
 * POST /crm/v3/objects/{type}/batch/create (≤ 100). Not idempotent, so never retried blindly:
 * the caller looks for what a failed attempt may have created first.
 * https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/post-crm-v3-objects-objectType-batch-create
 */
export function batchCreate(
  api: HubspotApi,
  type: HubspotObject,
  inputs: readonly CreateInput[],
): Promise<HubspotBatchRaw> {
  return api.call(
    `POST /crm/v3/objects/${type}/batch/create`,
    'write',
    hubspotBatchRaw,
    (sdk, o) =>
      sdk.crm.objects.batchApi.createWithHttpInfo(
        type,
        model<BatchInputSimplePublicObjectBatchInputForCreate>({
          inputs: inputs.map((i) => ({
            properties: i.properties,
            associations: i.associations.map((a) => ({
              to: { id: a.toId },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: a.typeId }],
            })),
          })),
        }),
        o,
      ),
    { retry: false },
  );
}

/** POST /crm/v4/associations/{from}/{to}/batch/read (≤ 1,000 ids). https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-read */
export function readAssociations(
  api: HubspotApi,
  from: HubspotObject,
  to: HubspotObject,
  ids: readonly string[],
): Promise<AssociationBatchRaw> {
  return api.call(`POST /crm/v4/associations/${from}/${to}/batch/read`, 'read', associationBatchRaw, (sdk, o) =>
    sdk.crm.associations.v4.batchApi.getPageWithHttpInfo(
      from,
      to,
      model<BatchInputPublicFetchAssociationsBatchRequest>({ inputs: ids.map((id) => ({ id })) }),
      o,
    ),
  );
}

/** GET /crm/v3/pipelines/deals — stages with metadata isClosed/probability. https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide */
export function listPipelines(api: HubspotApi): Promise<PipelinesRaw> {
  return api.call('GET /crm/v3/pipelines/deals', 'read', pipelinesRaw, (sdk, o) =>
    sdk.crm.pipelines.pipelinesApi.getAllWithHttpInfo('deals', o),
  );
}

/** GET /crm/v3/properties/{type}. https://developers.hubspot.com/docs/api-reference/crm-properties-v3/core/get-crm-v3-properties-objectType */
export async function listProperties(api: HubspotApi, type: HubspotObject): Promise<PropertyRaw[]> {
  const page = await api.call(`GET /crm/v3/properties/${type}`, 'read', propertyListRaw, (sdk, o) =>
    sdk.crm.properties.coreApi.getAllWithHttpInfo(type, false, undefined, o),
  );
  return page.results;
}

/** POST /crm/v3/properties/{type}/batch/read — only the named ones (smaller than a full list). https://developers.hubspot.com/docs/api-reference/crm-properties-v3/batch/post-crm-v3-properties-objectType-batch-read */
export async function readProperties(
  api: HubspotApi,
  type: HubspotObject,
  names: readonly string[],
): Promise<PropertyRaw[]> {
  const page = await api.call(`POST /crm/v3/properties/${type}/batch/read`, 'read', propertyBatchRaw, (sdk, o) =>
    sdk.crm.properties.batchApi.readWithHttpInfo(
      type,
      model<BatchReadInputPropertyName>({ archived: false, inputs: names.map((name) => ({ name })) }),
      o,
    ),
  );
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

/** POST /crm/v3/properties/{type}. https://developers.hubspot.com/docs/api-reference/crm-properties-v3/core/post-crm-v3-properties-objectType */
export function createProperty(api: HubspotApi, type: HubspotObject, input: PropertyCreateInput): Promise<PropertyRaw> {
  return api.call(`POST /crm/v3/properties/${type}`, 'write', propertyRaw, (sdk, o) =>
    sdk.crm.properties.coreApi.createWithHttpInfo(type, model<PropertyCreate>(input), o),
  );
}

/** PATCH /crm/v3/properties/{type}/{name} — `options` replaces the whole list. https://developers.hubspot.com/docs/api-reference/crm-properties-v3/core/patch-crm-v3-properties-objectType-propertyName */
export function updateProperty(
  api: HubspotApi,
  type: HubspotObject,
  name: string,
  input: PropertyInput,
): Promise<PropertyRaw> {
  return api.call(`PATCH /crm/v3/properties/${type}/{propertyName}`, 'write', propertyRaw, (sdk, o) =>
    sdk.crm.properties.coreApi.updateWithHttpInfo(type, name, model<PropertyUpdate>(input), o),
  );
}

/** GET /crm/v3/properties/{type}/groups. https://developers.hubspot.com/docs/api-reference/crm-properties-v3/groups/get-crm-v3-properties-objectType-groups */
export async function listGroups(
  api: HubspotApi,
  type: HubspotObject,
): Promise<z.infer<typeof groupListRaw>['results']> {
  const page = await api.call(`GET /crm/v3/properties/${type}/groups`, 'read', groupListRaw, (sdk, o) =>
    sdk.crm.properties.groupsApi.getAllWithHttpInfo(type, o),
  );
  return page.results;
}

/** POST /crm/v3/properties/{type}/groups. */
export function createGroup(
  api: HubspotApi,
  type: HubspotObject,
  name: string,
  label: string,
): Promise<z.infer<typeof groupRaw>> {
  return api.call(`POST /crm/v3/properties/${type}/groups`, 'write', groupRaw, (sdk, o) =>
    sdk.crm.properties.groupsApi.createWithHttpInfo(type, model<PropertyGroupCreate>({ name, label }), o),
  );
}

/** PATCH /crm/v3/properties/{type}/groups/{name}. */
export function updateGroup(
  api: HubspotApi,
  type: HubspotObject,
  name: string,
  label: string,
): Promise<z.infer<typeof groupRaw>> {
  return api.call(`PATCH /crm/v3/properties/${type}/groups/{groupName}`, 'write', groupRaw, (sdk, o) =>
    sdk.crm.properties.groupsApi.updateWithHttpInfo(type, name, model<PropertyGroupUpdate>({ label }), o),
  );
}

/** POST /oauth/v1/token (refresh_token grant). https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/tokens/post-oauth-v1-token */
export function refreshAccessToken(
  api: HubspotApi,
  clientId: string,
  clientSecret: string,
  refreshToken: string,
): Promise<z.infer<typeof tokenRaw>> {
  return api.call('POST /oauth/v1/token', 'auth', tokenRaw, (sdk, o) =>
    sdk.oauth.tokensApi.createWithHttpInfo(
      'refresh_token',
      undefined,
      undefined,
      clientId,
      clientSecret,
      refreshToken,
      o,
    ),
  );
}

/** GET /account-info/v3/details — portal id, company currency. https://developers.hubspot.com/docs/api-reference/account-account-info-v3/guide */
export function accountInfo(api: HubspotApi): Promise<z.infer<typeof accountInfoRaw>> {
  return api.callPath('GET /account-info/v3/details', '/account-info/v3/details', accountInfoRaw);
}
