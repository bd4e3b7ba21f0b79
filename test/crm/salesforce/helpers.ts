// Shared set-up for the Salesforce connector tests: a config (the example program plus a `crm`
// section) and the real adapter pointed at a sandbox or at a nock-mocked org.

import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { activeCrm, parseConfigText, type LoadedConfig } from '../../../src/config/load.ts';
import type { ProviderSettings } from '../../../src/crm/provider.ts';
import { SalesforceAdapter, type SalesforceAdapterOptions } from '../../../src/crm/salesforce/adapter.ts';
import type { SalesforceCredentials } from '../../../src/crm/salesforce/auth.ts';
import { silentLogger } from '../../../src/log.ts';

export const ANCHOR = '2026-06-01T00:00:00.000Z';
export const VERSION = '66.0';
const PROGRAM = readFileSync(new URL('../../../config/examples/program.yaml', import.meta.url), 'utf8');

/** The example program with a `crm:` section (provider salesforce unless given). */
export function salesforceConfig(crm: Record<string, unknown> = {}): LoadedConfig {
  const text = `${PROGRAM}\n${stringify({ crm: { provider: 'salesforce', ...crm } })}`;
  return { file: 'test-config.yaml', ...parseConfigText(text, 'test-config.yaml') };
}

/** What the Salesforce provider knows of such a config. */
export function salesforceSettings(crm: Record<string, unknown> = {}): ProviderSettings {
  return activeCrm(salesforceConfig(crm)).settings;
}

export const REFRESH_CREDENTIALS: SalesforceCredentials = {
  flow: 'refresh_token',
  clientId: 'test-client',
  clientSecret: 'test-secret',
  refreshToken: 'test-refresh',
};

/** No real waiting in tests: retries and bulk polls resolve at once. */
export const noSleep = (): Promise<void> => Promise.resolve();

export function adapterFor(
  url: string,
  config: LoadedConfig = salesforceConfig(),
  extra: Partial<SalesforceAdapterOptions> = {},
): SalesforceAdapter {
  const crm = config.config.crm;
  if (crm === undefined) throw new Error('config without crm');
  return new SalesforceAdapter({
    crm,
    program: config.program,
    configFile: config.file,
    credentials: REFRESH_CREDENTIALS,
    logger: silentLogger(),
    loginUrl: url,
    instanceUrl: url,
    backoff: { maxAttempts: 3, baseMs: 1, maxMs: 2 },
    sleep: noSleep,
    random: () => 0.5,
    ...extra,
  });
}
