// Stats keys for HubSpot paths: ids templated, so `/__sandbox/stats` groups requests by endpoint
// ("PATCH /crm/v3/objects/deals/{id}", "POST /crm/objects/2026-09/deals/batch/read").

import { legacyTwin, versionedForm } from './versions.ts';

const PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/^\/crm\/v3\/objects\/([^/]+)\/(search|batch\/[a-z]+)$/, '/crm/v3/objects/$1/$2'],
  [/^\/crm\/v3\/objects\/([^/]+)\/[^/]+$/, '/crm/v3/objects/$1/{id}'],
  [/^\/crm\/v3\/objects\/([^/]+)$/, '/crm/v3/objects/$1'],
  [/^\/crm\/v3\/properties\/([^/]+)\/(groups|batch\/[a-z]+)$/, '/crm/v3/properties/$1/$2'],
  [/^\/crm\/v3\/properties\/([^/]+)\/groups\/[^/]+$/, '/crm/v3/properties/$1/groups/{groupName}'],
  [/^\/crm\/v3\/properties\/([^/]+)\/[^/]+$/, '/crm/v3/properties/$1/{propertyName}'],
  [/^\/crm\/v3\/properties\/([^/]+)$/, '/crm/v3/properties/$1'],
  [/^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/(.+)$/, '/crm/v4/associations/$1/$2/$3'],
  [
    /^\/crm\/v4\/objects\/([^/]+)\/[^/]+\/associations\/default\/([^/]+)\/[^/]+$/,
    '/crm/v4/objects/$1/{id}/associations/default/$2/{toId}',
  ],
  [
    /^\/crm\/v4\/objects\/([^/]+)\/[^/]+\/associations\/([^/]+)\/[^/]+$/,
    '/crm/v4/objects/$1/{id}/associations/$2/{toId}',
  ],
  [/^\/crm\/v4\/objects\/([^/]+)\/[^/]+\/associations\/([^/]+)$/, '/crm/v4/objects/$1/{id}/associations/$2'],
  [/^\/crm\/v3\/pipelines\/([^/]+)\/[^/]+\/stages\/[^/]+$/, '/crm/v3/pipelines/$1/{pipelineId}/stages/{stageId}'],
  [/^\/crm\/v3\/pipelines\/([^/]+)\/[^/]+\/stages$/, '/crm/v3/pipelines/$1/{pipelineId}/stages'],
  [/^\/crm\/v3\/pipelines\/([^/]+)\/[^/]+$/, '/crm/v3/pipelines/$1/{pipelineId}'],
  [/^\/crm\/v3\/pipelines\/([^/]+)$/, '/crm/v3/pipelines/$1'],
  [/^\/crm\/v3\/owners\/?$/, '/crm/v3/owners'],
  [/^\/crm\/v3\/owners\/[^/]+$/, '/crm/v3/owners/{ownerId}'],
  [/^\/account-info\/v3\/details$/, '/account-info/v3/details'],
  [/^\/oauth\/v1\/token$/, '/oauth/v1/token'],
  [/^\/oauth\/v1\/access-tokens\/[^/]+$/, '/oauth/v1/access-tokens/{token}'],
];

export function hubspotRouteKey(method: string, path: string): string | null {
  // A date-versioned path is keyed in its own form: the allow-list tests read these keys.
  const twin = legacyTwin(path);
  const legacy = twin?.path ?? path;
  for (const [pattern, template] of PATTERNS) {
    if (!pattern.test(legacy)) continue;
    const key = legacy.replace(pattern, template);
    return `${method} ${twin ? versionedForm(key, twin.version) : key}`;
  }
  return null;
}
