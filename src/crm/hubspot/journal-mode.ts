// Which change events the HubSpot connector uses (`crm.hubspot.events`), and the app credentials
// the webhooks journal is read with. Existing configs keep today's behaviour: without the key,
// webhooks when the app secret (which signs them) is set, else scheduled syncs only.

import { ConfigError } from '../../config/errors.ts';
import { envValue } from '../provider.ts';
import type { HubspotConfig } from './config.ts';
import type { JournalCredentials } from './journal-client.ts';

export type EventsMode = 'webhooks' | 'journal' | 'none';

export function eventsMode(hs: HubspotConfig, env: Readonly<Record<string, string | undefined>>): EventsMode {
  return hs.events ?? (envValue(env, 'HUBSPOT_CLIENT_SECRET') === undefined ? 'none' : 'webhooks');
}

/** The app's client id and secret for the journal; a clear refusal when either is missing. */
export function journalCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): JournalCredentials {
  const clientId = envValue(env, 'HUBSPOT_CLIENT_ID');
  const clientSecret = envValue(env, 'HUBSPOT_CLIENT_SECRET');
  if (clientId !== undefined && clientSecret !== undefined) return { clientId, clientSecret };
  throw new ConfigError('environment', [
    {
      path: clientId === undefined ? 'HUBSPOT_CLIENT_ID' : 'HUBSPOT_CLIENT_SECRET',
      message:
        "is not set: crm.hubspot.events is journal, which reads HubSpot's webhooks journal with the app's client credentials — set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (a projects-based app with the developer.webhooks_journal.* scopes), or choose events: webhooks or none",
    },
  ]);
}
