// The personality registry: one line per CRM. The core looks a factory up here by `--crm` name.

import type { CrmName, PersonalityFactory } from './personality.ts';
import { createHubspotPersonality } from './hubspot/personality.ts';
import { createSalesforcePersonality } from './salesforce/personality.ts';

export const personalities: Partial<Record<CrmName, PersonalityFactory>> = {
  hubspot: createHubspotPersonality,
  salesforce: createSalesforcePersonality,
};

export function personalityFactory(crm: CrmName): PersonalityFactory {
  const factory = personalities[crm];
  if (!factory) throw new Error(`sandbox: no ${crm} personality is registered (src/sandbox/personalities.ts)`);
  return factory;
}
