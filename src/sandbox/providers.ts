// The in-process sandbox providers (`crm.provider: sandbox-hubspot | sandbox-salesforce`): the
// real HubSpot or Salesforce connector, pointed at a sandbox CRM this process starts (seeded from
// `crm.sandbox`, its state kept in `crm.sandbox.stateFile` or `<dataDir>/sandbox-<crm>.json`).
// They are wired here, on the sandbox's side: connector code (src/crm) knows nothing of the
// emulator. Closing the adapter stops the sandbox (saving its state); so does any failure after
// the sandbox started.

import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import type { CrmAdapter } from '../crm/port.ts';
import { defineBlock, NO_LINKS, readBlock, type CrmProvider, type ProviderContext } from '../crm/provider.ts';
import { hubspotProvider } from '../crm/hubspot/provider.ts';
import { salesforceProvider } from '../crm/salesforce/provider.ts';
import { salesforceBlock } from '../crm/salesforce/config.ts';
import { isHubspotPersonality } from './hubspot/personality.ts';
import type { CrmName } from './personality.ts';
import { startSandbox, type SandboxHandle } from './server.ts';

export const sandboxBlock = defineBlock({
  key: 'sandbox',
  schema: z
    .strictObject({
      seed: z.number().int().default(1),
      partners: z.number().int().min(0).default(50),
      deals: z.number().int().min(0).default(2000),
      stateFile: z.string().optional(),
    })
    .prefault({}),
  reference: [
    { key: '', default: '—', meaning: 'the in-process sandbox (sandbox providers)' },
    { key: 'seed', default: '`1`', meaning: 'seed of the generated data' },
    { key: 'partners', default: '`50`', meaning: 'partner companies' },
    { key: 'deals', default: '`2000`', meaning: 'deals' },
    {
      key: 'stateFile',
      default: '`<data>/sandbox-<crm>.json`',
      meaning: 'where the sandbox keeps its CRM state between commands',
    },
  ],
});

/** The HubSpot sandbox accepts any token it did not issue itself. */
const HUBSPOT_SANDBOX_TOKEN = 'partnersync-sandbox';

/**
 * The Salesforce sandbox's token endpoint accepts any client; these only make the calls well
 * formed. Client credentials, as an External Client App in a real org: the sandbox's sessions
 * expire, and the adapter asks for a new one the same way.
 */
const SALESFORCE_SANDBOX_CREDENTIALS = {
  flow: 'client_credentials',
  clientId: 'partnersync-sandbox',
  clientSecret: 'sandbox-secret',
} as const;

/** Starts the sandbox for `crm`, builds the adapter on it, and ties the sandbox's life to the adapter's. */
async function onSandbox(
  crm: CrmName,
  ctx: ProviderContext,
  build: (sandbox: SandboxHandle) => Promise<CrmAdapter>,
): Promise<CrmAdapter> {
  const settings = readBlock(ctx.crm, sandboxBlock);
  const stateFile = path.resolve(settings.stateFile ?? path.join(ctx.dataDir, `sandbox-${crm}.json`));
  await mkdir(path.dirname(stateFile), { recursive: true });
  const sandbox = await startSandbox({
    crm,
    seed: settings.seed,
    partners: settings.partners,
    deals: settings.deals,
    stateFile,
    fields: 'provisioned',
    // Seeded close dates are days in the program's zone, so both CRMs give the same money.
    timezone: ctx.program.timezone,
    onError: (err) => {
      ctx.logger.error({ err }, `sandbox-${crm}: unexpected error`);
    },
  });
  let adapter: CrmAdapter;
  try {
    adapter = await build(sandbox);
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
  ctx.logger.info({ url: sandbox.url, stateFile }, `sandbox-${crm}: started`);
  const close = adapter.close.bind(adapter);
  adapter.close = async (): Promise<void> => {
    try {
      await close();
    } finally {
      await sandbox.stop();
    }
  };
  return adapter;
}

export const sandboxHubspotProvider: CrmProvider = {
  ...hubspotProvider,
  name: 'sandbox-hubspot',
  description: 'a HubSpot emulator started in this process with generated data (demo, trials)',
  blocks: [...hubspotProvider.blocks, sandboxBlock],
  inProcessSandbox: true,
  // the sandbox needs no credentials
  checkEnv: () => [],
  links: () => NO_LINKS,
  createAdapter: async (ctx) => {
    // config problems first: no sandbox is started for a config that cannot work
    const { HubspotAdapter, hubspotFieldMap } = await import('../crm/hubspot/adapter.ts');
    const { staticToken } = await import('../crm/hubspot/token-source.ts');
    hubspotFieldMap(ctx);
    return onSandbox('hubspot', ctx, (sandbox) => {
      const personality = sandbox.state.personality;
      return Promise.resolve(
        new HubspotAdapter({
          settings: ctx,
          env: {},
          logger: ctx.logger,
          basePath: sandbox.url,
          tokens: staticToken(HUBSPOT_SANDBOX_TOKEN),
          // the sandbox issues the app's client-credentials token to any client (events: journal)
          journalCredentials: { clientId: 'partnersync-sandbox', clientSecret: 'sandbox-secret' },
          ...(isHubspotPersonality(personality) ? { portalId: String(personality.state.portalId) } : {}),
        }),
      );
    });
  },
};

export const sandboxSalesforceProvider: CrmProvider = {
  ...salesforceProvider,
  name: 'sandbox-salesforce',
  description: 'a Salesforce emulator started in this process with generated data (demo, trials)',
  blocks: [...salesforceProvider.blocks, sandboxBlock],
  inProcessSandbox: true,
  checkConfig: (settings) => [
    ...salesforceProvider.checkConfig(settings),
    ...(readBlock(settings.crm, salesforceBlock).events === 'cdc'
      ? [
          {
            path: 'crm.salesforce.events',
            message:
              'cdc is not available with the in-process sandbox (it serves no Pub/Sub API); use none, or crm.provider: salesforce against `partnersync sandbox`',
          },
        ]
      : []),
  ],
  eventSources: () => [],
  checkEnv: () => [],
  links: () => NO_LINKS,
  createAdapter: async (ctx) => {
    const { SalesforceAdapter } = await import('../crm/salesforce/adapter.ts');
    return onSandbox('salesforce', ctx, (sandbox) =>
      Promise.resolve(
        new SalesforceAdapter({
          crm: ctx.crm,
          program: ctx.program,
          configFile: ctx.configFile,
          credentials: SALESFORCE_SANDBOX_CREDENTIALS,
          logger: ctx.logger,
          provider: 'sandbox-salesforce',
          loginUrl: sandbox.url,
          instanceUrl: sandbox.url,
        }),
      ),
    );
  },
};

export const sandboxProviders: readonly CrmProvider[] = [sandboxHubspotProvider, sandboxSalesforceProvider];
