// The shared CrmAdapter contract, run against the HubSpot adapter on the sandbox (real limits),
// once on the default date-versioned paths (2026-09) and once on the legacy v3/v4 paths.

import type { SimplePublicObjectInput } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import { sdk } from '../sandbox/helpers.ts';
import { describeAdapterContract } from './adapter-contract.ts';
import { describeRegistrationContract } from './registration-contract.ts';
import { customerCompany, hubspotOnSandbox } from './hubspot-fixtures.ts';

const API_VERSIONS = [
  ['2026-09', '  hubspot: { searchLagSeconds: 0 }\n'],
  ['legacy', '  hubspot: { searchLagSeconds: 0, apiVersion: legacy }\n'],
] as const;

for (const [version, crmYaml] of API_VERSIONS)
  describeAdapterContract(`hubspot on the sandbox (${version} paths)`, async () => {
    const fx = await hubspotOnSandbox({ crmYaml });
    // Provisioning creates the task marker property the task tests need.
    const plan = await fx.adapter.provision({ dryRun: false });
    if (!plan.applied)
      throw new Error(`provisioning failed: ${JSON.stringify(plan.actions.filter((a) => a.action === 'conflict'))}`);
    return {
      adapter: fx.adapter,
      mutateDeals: (count) => Promise.resolve(fx.sandbox.state.mutate(count)),
      removeDeal: async (dealId) => {
        await fx.client.crm.deals.basicApi.archive(dealId);
      },
      demotePartner: async (partnerId) => {
        await fx.client.crm.companies.basicApi.update(
          partnerId,
          sdk<SimplePublicObjectInput>({ properties: { type: 'PROSPECT' } }),
        );
      },
      changeDealCustomer: (dealId) => {
        const current = fx.personality.state.associations.list('deals', dealId, 'companies')[0]?.toId ?? null;
        const next = customerCompany(fx.personality, current);
        fx.personality.setDealCompany(dealId, next);
        return Promise.resolve(next);
      },
      contactFilter: { jobtitle: 'Partner manager' },
      breakCrm: () => {
        fx.sandbox.state.expireTokens();
        return Promise.resolve();
      },
      close: () => fx.stop(),
    };
  });

describeRegistrationContract('hubspot on the sandbox', async () => {
  const fx = await hubspotOnSandbox();
  const plan = await fx.adapter.provision({ dryRun: false });
  if (!plan.applied) throw new Error('provisioning failed');
  const partners: string[] = [];
  for await (const page of fx.adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }))
    partners.push(...page.partners.map((p) => p.id));
  const [a, b] = partners;
  if (a === undefined || b === undefined) throw new Error('the sandbox has fewer than two partners');
  return { adapter: fx.adapter, partnerIds: [a, b], close: () => fx.stop() };
});
