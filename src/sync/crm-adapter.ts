// Builds the configured provider's adapter (the registry lookup every command and the service
// share): the provider gets what it knows of the config, the environment, a logger and where to
// keep local files.

import type { Env } from '../config/env.ts';
import { activeCrm, type LoadedConfig } from '../config/load.ts';
import type { CrmAdapter } from '../crm/port.ts';
import type { CredentialVault } from '../crm/provider.ts';
import type { Logger } from '../log.ts';

export interface CrmAdapterDeps {
  env: Env;
  logger: Logger;
  /** Folder for local state (the in-process sandbox keeps its CRM there). */
  dataDir: string;
  credentials?: CredentialVault | undefined;
}

export function createCrmAdapter(loaded: LoadedConfig, deps: CrmAdapterDeps): Promise<CrmAdapter> {
  const { provider, settings } = activeCrm(loaded);
  return provider.createAdapter({
    ...settings,
    env: deps.env.raw,
    logger: deps.logger,
    dataDir: deps.dataDir,
    credentials: deps.credentials,
  });
}
