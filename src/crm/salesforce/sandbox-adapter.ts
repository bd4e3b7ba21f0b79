// `crm.provider: sandbox-salesforce`: starts the in-process sandbox CRM (Salesforce personality,
// seeded from `crm.sandbox`, state kept in `crm.sandbox.stateFile` or
// `<dataDir>/sandbox-salesforce.json`) and returns the real Salesforce adapter pointed at it.
// Closing the adapter stops the sandbox (and saves its state).

import path from 'node:path';
import { startSandbox } from '../../sandbox/server.ts';
import type { CrmAdapter } from '../port.ts';
import type { AdapterFactory } from '../registry.ts';
import { SalesforceAdapter, type SalesforceAdapterContext } from './adapter.ts';

/** The sandbox accepts any client and refresh token; these only make the OAuth calls well formed. */
const SANDBOX_CREDENTIALS = {
  flow: 'refresh_token',
  clientId: 'partnersync-sandbox',
  clientSecret: 'sandbox-secret',
  refreshToken: 'sandbox-refresh-token',
} as const;

export const createSandboxSalesforceAdapter: AdapterFactory = async (
  ctx: SalesforceAdapterContext,
): Promise<CrmAdapter> => {
  const crm = ctx.config.config.crm;
  if (crm === undefined) throw new Error(`${ctx.config.file}: no crm section`);
  const options = crm.sandbox;
  const stateFile = path.resolve(options?.stateFile ?? path.join(ctx.dataDir, 'sandbox-salesforce.json'));
  const sandbox = await startSandbox({
    crm: 'salesforce',
    stateFile,
    ...(options === undefined ? {} : { seed: options.seed, partners: options.partners, deals: options.deals }),
  });
  ctx.logger.info({ url: sandbox.url, stateFile }, 'sandbox Salesforce started');
  const adapter = new SalesforceAdapter({
    crm,
    program: ctx.config.program,
    configFile: ctx.config.file,
    credentials: SANDBOX_CREDENTIALS,
    logger: ctx.logger,
    onTokens: ctx.onTokens,
    provider: 'sandbox-salesforce',
    loginUrl: sandbox.url,
    instanceUrl: sandbox.url,
  });
  const close = adapter.close.bind(adapter);
  adapter.close = async () => {
    await close();
    await sandbox.stop();
  };
  return adapter;
};
