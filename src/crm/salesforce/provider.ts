// `crm.provider: salesforce` — the Salesforce connector as the registry sees it
// (src/crm/provider.ts). Light to import: jsforce loads only when a command talks to Salesforce.

import { ConfigError, type ConfigIssue } from '../../config/errors.ts';
import type { EventSource } from '../events.ts';
import type { CrmAdapter } from '../port.ts';
import type { CrmProvider, EnvVariable, ProviderSettings } from '../provider.ts';
import { readBlock } from '../provider.ts';
import { allowList, DEFAULT_PARTNER_WHERE } from './allow-list.ts';
import { credentialsFromEnv, readPrivateKey } from './auth.ts';
import { salesforceBlock } from './config.ts';
import { fieldCatalogue, resolveFields } from './fields.ts';
import { salesforceLinks } from './links.ts';

export const SALESFORCE_ENV: readonly EnvVariable[] = [
  {
    name: 'SF_CLIENT_ID',
    secret: false,
    meaning: 'the External Client App’s (or connected app’s) consumer key (every flow)',
  },
  {
    name: 'SF_CLIENT_SECRET',
    secret: true,
    meaning: 'client-credentials and refresh-token flows: the consumer secret',
  },
  { name: 'SF_REFRESH_TOKEN', secret: true, meaning: 'refresh-token flow: the integration user’s refresh token' },
  { name: 'SF_USERNAME', secret: false, meaning: 'JWT bearer flow: the integration user' },
  { name: 'SF_JWT_KEY', secret: true, meaning: 'JWT bearer flow: the PEM private key of the app’s certificate' },
];

/** What the adapter's constructor would refuse: field mappings and the partner filter. */
export function salesforceConfigIssues(settings: ProviderSettings): ConfigIssue[] {
  try {
    const fields = resolveFields(
      fieldCatalogue({ program: settings.program, currencyFields: false }),
      settings.crm.mappings,
      settings.configFile,
    );
    allowList(fields, settings.crm.partners?.where ?? DEFAULT_PARTNER_WHERE, settings.configFile);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
}

/** Missing credentials for the flow `crm.salesforce.auth` chooses, or a JWT key that is not a readable PEM key. */
export function salesforceCredentialIssues(
  env: Readonly<Record<string, string | undefined>>,
  settings?: ProviderSettings,
): ConfigIssue[] {
  try {
    const auth = settings === undefined ? undefined : readBlock(settings.crm, salesforceBlock).auth;
    const credentials = credentialsFromEnv(env, auth);
    if (credentials.flow === 'jwt') readPrivateKey(credentials.privateKey);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
}

/** An adapter that can open Salesforce change-event sources (the Salesforce adapter). */
interface ChangeEventCapable {
  changeEventSources(options: { endpoint: string; influencerPollMs: number }): EventSource[];
}

const canStream = (adapter: CrmAdapter): adapter is CrmAdapter & ChangeEventCapable =>
  'changeEventSources' in adapter && typeof adapter.changeEventSources === 'function';

/** `crm.salesforce.events: cdc`: the change-event stream and the OpportunityPartner poller. */
export function salesforceEventSources(settings: ProviderSettings, adapter: CrmAdapter): EventSource[] {
  const sf = readBlock(settings.crm, salesforceBlock);
  if (sf.events !== 'cdc') return [];
  if (!canStream(adapter)) throw new Error('crm.salesforce.events: cdc needs the Salesforce adapter');
  return adapter.changeEventSources({ endpoint: sf.pubsubEndpoint, influencerPollMs: sf.influencerPollSeconds * 1000 });
}

export const salesforceProvider: CrmProvider = {
  name: 'salesforce',
  description: 'Salesforce (client credentials, JWT bearer or refresh-token flow)',
  blocks: [salesforceBlock],
  env: SALESFORCE_ENV,
  inProcessSandbox: false,
  checkConfig: salesforceConfigIssues,
  checkEnv: salesforceCredentialIssues,
  createAdapter: async (ctx) => (await import('./adapter.ts')).createSalesforceAdapter(ctx),
  links: (settings) => salesforceLinks(readBlock(settings.crm, salesforceBlock)),
  eventSources: salesforceEventSources,
  receivers: () => [],
};
