// Which adapter serves which `crm.provider`. Adding a CRM means adding a folder and one line
// here; nothing in sync/ or http/ knows about concrete CRMs (architecture.md).

import type { CrmAdapter } from './port.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Env } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import type { Logger } from '../log.ts';

/**
 * Credentials a CRM may rotate (a Salesforce refresh token), kept where the next process finds
 * them. A value set anew in the environment wins over one rotated from an older value.
 */
export interface CredentialVault {
  /** The value rotated from `configured`, if one is stored; else `configured`. */
  current(name: string, configured: string): Promise<string>;
  /** Keeps `value`, which the CRM issued in place of `configured` (or of its rotations). */
  rotated(name: string, configured: string, value: string): Promise<void>;
}

export interface AdapterContext {
  config: LoadedConfig;
  env: Env;
  logger: Logger;
  /** Folder for local state (the in-process sandbox's state file lives here). */
  dataDir: string;
  credentials?: CredentialVault | undefined;
}

export type AdapterFactory = (ctx: AdapterContext) => Promise<CrmAdapter>;

/** Lazily imported so a command loads only the CRM it talks to. */
const factories: Record<string, () => Promise<AdapterFactory>> = {
  hubspot: async () => (await import('./hubspot/adapter.ts')).createHubspotAdapter,
  'sandbox-hubspot': async () => (await import('./hubspot/sandbox-adapter.ts')).createSandboxHubspotAdapter,
  salesforce: async () => (await import('./salesforce/adapter.ts')).createSalesforceAdapter,
  'sandbox-salesforce': async () => (await import('./salesforce/sandbox-adapter.ts')).createSandboxSalesforceAdapter,
};

export function registerAdapter(provider: string, load: () => Promise<AdapterFactory>): void {
  factories[provider] = load;
}

export async function createAdapter(ctx: AdapterContext): Promise<CrmAdapter> {
  const provider = ctx.config.config.crm?.provider;
  if (provider === undefined) {
    throw new ConfigError(ctx.config.file, [
      {
        path: 'crm',
        message: 'is required: add crm.provider (hubspot, salesforce, sandbox-hubspot or sandbox-salesforce)',
      },
    ]);
  }
  const load = factories[provider];
  if (!load)
    throw new ConfigError(ctx.config.file, [
      { path: 'crm.provider', message: `${provider} has no adapter in this build` },
    ]);
  return (await load())(ctx);
}
