// Which HubSpot credentials the environment holds: a private app token or service key
// (HUBSPOT_ACCESS_TOKEN), or an OAuth app's client id, secret and refresh token.

import type { ConfigIssue } from '../../config/errors.ts';
import { envValue } from '../provider.ts';

export function hubspotCredentialIssues(env: Readonly<Record<string, string | undefined>>): ConfigIssue[] {
  if (envValue(env, 'HUBSPOT_ACCESS_TOKEN') !== undefined) return [];
  const oauth = ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'HUBSPOT_REFRESH_TOKEN'] as const;
  if (oauth.every((name) => envValue(env, name) !== undefined)) return [];
  return [
    {
      path: 'HUBSPOT_ACCESS_TOKEN',
      message:
        'is not set: set HUBSPOT_ACCESS_TOKEN (a private app token or service key), or HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REFRESH_TOKEN for OAuth',
    },
  ];
}
