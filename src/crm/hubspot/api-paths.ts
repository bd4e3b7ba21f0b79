// The paths of every HubSpot endpoint the connector calls, per API generation. Date-versioned
// generations put the version after the API family (`/crm/objects/2026-09/deals`); `legacy` keeps
// the numbered paths (`/crm/v3/objects/deals`, associations on `/crm/v4`), which HubSpot stops
// supporting in 2027 (dates in docs/crm-notes.md). Request and answer shapes are the same on
// both, so only the path changes; the client-credentials token of the webhooks journal always
// uses `/oauth/v1/token` and is not listed here.

export const API_VERSIONS = ['2026-09', '2026-03', 'legacy'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export interface ApiPaths {
  readonly version: ApiVersion;
  /** `/crm/objects/{v}/{type}` (list, create) — add `/search`, `/batch/read`, … */
  objects(type: string): string;
  /** `/crm/properties/{v}/{type}` — add `/batch/read`, `/groups`, `/{name}` */
  properties(type: string): string;
  /** `/crm/pipelines/{v}/{type}` */
  pipelines(type: string): string;
  /** `/crm/associations/{v}/{from}/{to}` — add `/batch/read`, `/batch/create` */
  associations(from: string, to: string): string;
  /** `/crm/owners/{v}` — add `/{ownerId}` */
  owners(): string;
  /** `/account-info/{v}/details` */
  accountDetails(): string;
  /** The token endpoint for the authorization-code and refresh-token grants. */
  oauthToken(): string;
}

export function apiPaths(version: ApiVersion): ApiPaths {
  if (version === 'legacy') {
    return {
      version,
      objects: (type) => `/crm/v3/objects/${type}`,
      properties: (type) => `/crm/v3/properties/${type}`,
      pipelines: (type) => `/crm/v3/pipelines/${type}`,
      associations: (from, to) => `/crm/v4/associations/${from}/${to}`,
      owners: () => '/crm/v3/owners',
      accountDetails: () => '/account-info/v3/details',
      oauthToken: () => '/oauth/v1/token',
    };
  }
  return {
    version,
    objects: (type) => `/crm/objects/${version}/${type}`,
    properties: (type) => `/crm/properties/${version}/${type}`,
    pipelines: (type) => `/crm/pipelines/${version}/${type}`,
    associations: (from, to) => `/crm/associations/${version}/${from}/${to}`,
    owners: () => `/crm/owners/${version}`,
    accountDetails: () => `/account-info/${version}/details`,
    oauthToken: () => `/oauth/${version}/token`,
  };
}

/** When HubSpot stops supporting the legacy paths (its published schedule; docs/crm-notes.md). */
export const LEGACY_SUNSET =
  'HubSpot stops supporting the v4 associations API on 30 March 2027 and the v1-v3 APIs in September 2027';
