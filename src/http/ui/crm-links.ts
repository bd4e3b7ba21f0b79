// Links from the dashboard to the CRM record behind a partner, deal or alert. Which URL is the
// configured provider's business (its `links`, src/crm/provider.ts); without a `crm:` section
// records have no links and their ids are shown instead.

import { activeCrm, type LoadedConfig } from '../../config/load.ts';
import { NO_LINKS, type CrmLinker } from '../../crm/provider.ts';

export type { CrmLinker } from '../../crm/provider.ts';

export function crmLinker(config: LoadedConfig, account: string): CrmLinker {
  if (config.config.crm === undefined) return NO_LINKS;
  const { provider, settings } = activeCrm(config);
  return provider.links(settings, account);
}
