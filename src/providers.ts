// The provider registry of this build: the one place that imports provider folders (the
// dependency rules in eslint.config.js hold everything else to src/crm/provider.ts and
// src/crm/registry.ts). Adding a CRM = a folder under src/crm exporting a CrmProvider, plus one
// line here.

import { hubspotProvider } from './crm/hubspot/provider.ts';
import { ProviderRegistry } from './crm/registry.ts';
import { salesforceProvider } from './crm/salesforce/provider.ts';
import { sandboxProviders } from './sandbox/providers.ts';

export const builtInProviders = new ProviderRegistry([hubspotProvider, salesforceProvider, ...sandboxProviders]);
