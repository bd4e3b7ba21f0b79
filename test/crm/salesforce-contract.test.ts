// The shared CrmAdapter contract (test/crm/adapter-contract.ts) against the Salesforce adapter
// on the sandbox's Salesforce personality. What the suite changes behind the adapter's back is
// done the way a user would: REST calls to the sandbox (delete an Opportunity, change an
// Account's Type, move an Opportunity to another Account) and `/__sandbox/mutate`.

import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { salesforceToken } from '../sandbox/helpers.ts';
import { describeAdapterContract } from './adapter-contract.ts';
import { describeRegistrationContract } from './registration-contract.ts';
import { adapterFor, ANCHOR, VERSION } from './salesforce/helpers.ts';

async function rest(sandbox: SandboxHandle, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sandbox.url}/services/data/v${VERSION}${path}`, {
    method,
    // The sandbox, like Salesforce, takes only tokens it issued.
    headers: { Authorization: `Bearer ${await salesforceToken(sandbox.url)}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

describeAdapterContract('salesforce (sandbox)', async () => {
  const sandbox = await startSandbox({ crm: 'salesforce', seed: 5, partners: 20, deals: 400, anchor: ANCHOR });
  const adapter = adapterFor(sandbox.url);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await sandbox.stop();
  };
  return {
    adapter,
    mutateDeals: (count) => Promise.resolve(sandbox.state.mutate(count)),
    removeDeal: async (dealId) => {
      await rest(sandbox, 'DELETE', `/sobjects/Opportunity/${dealId}`);
    },
    demotePartner: async (partnerId) => {
      await rest(sandbox, 'PATCH', `/sobjects/Account/${partnerId}`, { Type: 'Customer - Direct' });
    },
    changeDealCustomer: async (dealId) => {
      const q = encodeURIComponent("SELECT Id FROM Account WHERE Type = 'Customer - Direct' ORDER BY Id DESC LIMIT 1");
      const found = (await rest(sandbox, 'GET', `/query?q=${q}`)) as { records: { Id: string }[] };
      const customer = found.records[0]?.Id ?? '';
      await rest(sandbox, 'PATCH', `/sobjects/Opportunity/${dealId}`, { AccountId: customer });
      return customer;
    },
    contactFilter: { Title: 'Partner manager' },
    breakCrm: stop,
    close: async () => {
      await adapter.close();
      await stop();
    },
  };
});

describeRegistrationContract('salesforce (sandbox)', async () => {
  const sandbox = await startSandbox({ crm: 'salesforce', seed: 6, partners: 6, deals: 40, anchor: ANCHOR });
  const adapter = adapterFor(sandbox.url);
  const partners: string[] = [];
  for await (const page of adapter.pull({ mode: 'full', cursor: null, refreshLinks: false }))
    partners.push(...page.partners.map((p) => p.id));
  const [a, b] = partners;
  if (a === undefined || b === undefined) throw new Error('the sandbox has fewer than two partners');
  return {
    adapter,
    partnerIds: [a, b],
    close: async () => {
      await adapter.close();
      await sandbox.stop();
    },
  };
});
