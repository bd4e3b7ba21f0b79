// `crm.provider: hubspot` — the HubSpot connector as the registry sees it (src/crm/provider.ts).
// Light to import: the adapter and the SDK load only when a command talks to HubSpot.

import type { EventSource } from '../events.ts';
import type { CrmAdapter } from '../port.ts';
import type { CrmProvider, EnvVariable } from '../provider.ts';
import { envValue, readBlock } from '../provider.ts';
import { hubspotBlock } from './config.ts';
import { hubspotCredentialIssues } from './credentials.ts';
import { resolveFieldMap } from './field-map.ts';
import { eventsMode } from './journal-mode.ts';
import { hubspotLinks } from './links.ts';
import { hubspotWebhookReceiver } from './webhook-receiver.ts';

export const HUBSPOT_ENV: readonly EnvVariable[] = [
  { name: 'HUBSPOT_ACCESS_TOKEN', secret: true, meaning: 'a private app token or service key' },
  { name: 'HUBSPOT_CLIENT_ID', secret: false, meaning: 'a HubSpot OAuth app: its client id' },
  {
    name: 'HUBSPOT_CLIENT_SECRET',
    secret: true,
    meaning: 'a HubSpot OAuth app: its client secret (also verifies webhooks)',
  },
  { name: 'HUBSPOT_REFRESH_TOKEN', secret: true, meaning: 'a HubSpot OAuth app: the refresh token of the install' },
];

/** The HubSpot adapter offers its journal source; other adapters (tests' fakes) have none. */
interface JournalHost {
  journalSource(): EventSource | null;
}
const hasJournal = (adapter: CrmAdapter): adapter is CrmAdapter & JournalHost =>
  typeof (adapter as Partial<JournalHost>).journalSource === 'function';

export const hubspotProvider: CrmProvider = {
  name: 'hubspot',
  description: 'HubSpot (a private app, service key or OAuth app)',
  blocks: [hubspotBlock],
  env: HUBSPOT_ENV,
  inProcessSandbox: false,
  checkConfig: (settings) => resolveFieldMap(settings.programConfig, settings.crm).issues,
  checkEnv: hubspotCredentialIssues,
  createAdapter: async (ctx) => (await import('./adapter.ts')).createHubspotAdapter(ctx),
  links: (settings, account) => hubspotLinks(readBlock(settings.crm, hubspotBlock).portalId, account),
  // events: journal — the adapter polls HubSpot's webhooks journal (journal-source.ts)
  eventSources: (_ctx, adapter) => {
    const source = hasJournal(adapter) ? adapter.journalSource() : null;
    return source === null ? [] : [source];
  },
  receivers: (ctx) => {
    const mode = eventsMode(readBlock(ctx.crm, hubspotBlock), ctx.env);
    return [
      mode === 'webhooks'
        ? hubspotWebhookReceiver(envValue(ctx.env, 'HUBSPOT_CLIENT_SECRET'))
        : hubspotWebhookReceiver(undefined, `webhooks are not enabled: crm.hubspot.events is ${mode}`),
    ];
  },
};
