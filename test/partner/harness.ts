// A running service with partner users on, over a sandbox CRM (HubSpot or Salesforce, the real
// adapters), a SQLite store and a real SMTP server: what the partner tests share. "A rep"
// changes deals through the sandbox's own API, as in the CRM's UI.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@hubspot/api-client';
import { stringify } from 'yaml';
import { readEnv } from '../../src/config/env.ts';
import { activeCrm, parseConfigText, type LoadedConfig } from '../../src/config/load.ts';
import { Secrets } from '../../src/config/secrets.ts';
import { HubspotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { staticToken } from '../../src/crm/hubspot/token-source.ts';
import type { CrmAdapter } from '../../src/crm/port.ts';
import { silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import type {
  SimplePublicObjectInput as CompanyUpdate,
  SimplePublicObjectInputForCreate as CompanyInput,
} from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import {
  AssociationSpecAssociationCategoryEnum,
  type SimplePublicObjectInput,
  type SimplePublicObjectInputForCreate as DealInput,
} from '@hubspot/api-client/lib/codegen/crm/deals/index.js';
import { adapterFor, VERSION } from '../crm/salesforce/helpers.ts';
import { salesforceToken, sdk } from '../sandbox/helpers.ts';
import { SmtpReceiver } from '../notify/receivers.ts';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const ANCHOR = '2026-06-01T00:00:00.000Z';
const PROGRAM = readFileSync(new URL('../../config/examples/program.yaml', import.meta.url), 'utf8');

export type CrmName = 'hubspot' | 'salesforce';

export interface PartnerService {
  crmName: CrmName;
  service: Service;
  url: string;
  smtp: SmtpReceiver;
  sandbox: SandboxHandle;
  adapter: CrmAdapter;
  config: LoadedConfig;
  /** Partner ids of the CRM, from the first sync. */
  partnerIds: string[];
  /** A rep decides a registration in the CRM (status, reason, decided and expiry). */
  decide(dealId: string, status: 'approved' | 'rejected', reason: string): Promise<void>;
  /** A rep creates a customer with this web domain and one open deal without registration; answers the deal id. */
  repCustomerWithDeal(domain: string): Promise<string>;
  /** The partner stops being one in the CRM (its type changes). */
  demotePartner(partnerId: string): Promise<void>;
  /** A sync run of the service (as the scheduler would start it), then the notifications go out. */
  sync(full?: boolean): Promise<void>;
  /** Invites a partner contact through the admin API; answers the user id. */
  invite(partnerId: string, email: string): Promise<string>;
  /** The sign-in link of the latest mail to this address. */
  linkFor(email: string): Promise<string>;
  stop(): Promise<void>;
}

function configText(
  crmName: CrmName,
  smtpPort: number,
  crmBlock: Record<string, unknown>,
  registrations: Record<string, unknown>,
): string {
  return `${PROGRAM}\n${stringify({
    crm: { provider: crmName, ...crmBlock },
    notifications: {
      channels: {
        mail: { type: 'email', from: 'partnersync <ps@example.test>', smtp: { host: '127.0.0.1', port: smtpPort } },
      },
      routes: [{ events: ['registration.decided'], channel: 'mail', to: ['owner@program.example'] }],
    },
    registrations: { emailChannel: 'mail', protectionDays: 90, perUserPerHour: 5, ...registrations },
  })}`;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startPartnerService(
  crmName: CrmName = 'hubspot',
  registrations: Record<string, unknown> = {},
): Promise<PartnerService> {
  const smtp = await new SmtpReceiver().start();
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-partner-'));
  const storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
  let sandbox: SandboxHandle;
  let adapter: CrmAdapter;
  let config: LoadedConfig;
  let decide: PartnerService['decide'];
  let repCustomerWithDeal: PartnerService['repCustomerWithDeal'];
  let demotePartner: PartnerService['demotePartner'];
  if (crmName === 'hubspot') {
    sandbox = await startSandbox({ crm: 'hubspot', anchor: ANCHOR, partners: 8, deals: 120, seed: 19 });
    const personality = sandbox.state.personality;
    if (!isHubspotPersonality(personality)) throw new Error('not a HubSpot sandbox');
    const portalId = String(personality.state.portalId);
    config = {
      file: 'partner-test.yaml',
      ...parseConfigText(
        configText('hubspot', smtp.port, { hubspot: { searchLagSeconds: 0, portalId } }, registrations) +
          `store: { url: "${storeUrl}" }\n`,
        'partner-test.yaml',
      ),
    };
    adapter = new HubspotAdapter({
      settings: activeCrm(config).settings,
      env: {},
      logger: silentLogger(),
      basePath: sandbox.url,
      tokens: staticToken('test-token'),
      portalId,
    });
    const rep = new Client({ accessToken: 'rep-token', basePath: sandbox.url });
    decide = async (dealId, status, reason) => {
      const now = new Date().toISOString();
      await rep.crm.deals.basicApi.update(
        dealId,
        sdk<SimplePublicObjectInput>({
          properties: {
            deal_registration_status: status,
            deal_registration_reason: reason,
            deal_registration_decided_at: now,
            ...(status === 'approved'
              ? { deal_registration_expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString() }
              : {}),
          },
        }),
      );
    };
    repCustomerWithDeal = async (domain) => {
      const company = await rep.crm.companies.basicApi.create(
        sdk<CompanyInput>({ properties: { name: `Rep customer ${domain}`, domain }, associations: [] }),
      );
      const deal = await rep.crm.deals.basicApi.create(
        sdk<DealInput>({
          properties: {
            dealname: `Rep deal ${domain}`,
            pipeline: 'default',
            dealstage: 'appointmentscheduled',
            amount: '10000',
            closedate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
          },
          associations: [
            {
              to: { id: company.id },
              types: [
                { associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: 5 },
              ],
            },
          ],
        }),
      );
      return deal.id;
    };
    demotePartner = async (partnerId) => {
      await rep.crm.companies.basicApi.update(partnerId, sdk<CompanyUpdate>({ properties: { type: 'PROSPECT' } }));
    };
  } else {
    sandbox = await startSandbox({ crm: 'salesforce', anchor: ANCHOR, partners: 8, deals: 120, seed: 19 });
    config = {
      file: 'partner-test.yaml',
      ...parseConfigText(
        configText('salesforce', smtp.port, {}, registrations) + `store: { url: "${storeUrl}" }\n`,
        'partner-test.yaml',
      ),
    };
    adapter = adapterFor(sandbox.url, config);
    // the Salesforce sandbox takes only tokens it issued: the rep's edits sign in like any client
    const repToken = await salesforceToken(sandbox.url);
    decide = async (dealId, status, reason) => {
      const res = await fetch(`${sandbox.url}/services/data/v${VERSION}/sobjects/Opportunity/${dealId}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${repToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          Deal_Reg_Status__c: status,
          Deal_Reg_Reason__c: reason,
          Deal_Reg_Decided_At__c: new Date().toISOString(),
          ...(status === 'approved'
            ? { Deal_Reg_Expires_At__c: new Date(Date.now() + 90 * 86_400_000).toISOString() }
            : {}),
        }),
      });
      if (res.status >= 300) throw new Error(`rep update: ${res.status} ${await res.text()}`);
    };
    const create = async (object: string, record: Record<string, unknown>): Promise<string> => {
      const res = await fetch(`${sandbox.url}/services/data/v${VERSION}/sobjects/${object}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${repToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(record),
      });
      if (res.status >= 300) throw new Error(`rep create ${object}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    demotePartner = async (partnerId) => {
      const res = await fetch(`${sandbox.url}/services/data/v${VERSION}/sobjects/Account/${partnerId}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${repToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ Type: 'Customer - Direct' }),
      });
      if (res.status >= 300) throw new Error(`rep demote: ${res.status} ${await res.text()}`);
    };
    repCustomerWithDeal = async (domain) => {
      const account = await create('Account', { Name: `Rep customer ${domain}`, Website: `https://www.${domain}/` });
      return create('Opportunity', {
        Name: `Rep deal ${domain}`,
        AccountId: account,
        StageName: 'Prospecting',
        Amount: 10000,
        CloseDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      });
    };
  }
  const plan = await adapter.provision({ dryRun: false });
  if (!plan.applied) throw new Error(`provisioning failed: ${JSON.stringify(plan.actions)}`);
  const first = await openStore(storeUrl);
  await runSync({ crm: adapter, store: first, clock: systemClock, logger: silentLogger(), config }, { full: true });
  const partnerIds = (await first.loadCache(await adapter.accountKey())).partners.map((p) => p.id).sort();
  await first.close();
  const service = await startService({
    config,
    env: readEnv({ PARTNERSYNC_TOKENS: `admin:${ADMIN_TOKEN}` }),
    secrets: Secrets.none(),
    logger: silentLogger(),
    cwd: dir,
    port: 0,
    scheduler: false,
    dispatchIntervalMs: 100,
    crm: adapter,
  });
  const url = service.url;
  return {
    crmName,
    service,
    url,
    smtp,
    sandbox,
    adapter,
    config,
    partnerIds,
    decide,
    repCustomerWithDeal,
    demotePartner,
    sync: async (full = false) => {
      // a sync computes as of its start, to the second: records created this second wait for the next one
      await new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
      await new Promise<void>((resolve, reject) => {
        const id = service.syncs.start({ full }, (outcome) => {
          if ('error' in outcome)
            reject(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
          else if (outcome.result.status !== 'succeeded')
            reject(new Error(`sync ${outcome.result.status}: ${outcome.result.report.error ?? ''}`));
          else resolve();
        });
        if (id === null) reject(new Error('a sync is already running'));
      });
      service.dispatcher?.kick();
    },
    invite: async (partnerId, email) => {
      const res = await fetch(`${url}/v1/partner-users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ partnerId, email }),
      });
      const body = (await res.json()) as { user?: { id: string }; error?: unknown };
      if (res.status !== 201 || body.user === undefined)
        throw new Error(`invite: ${res.status} ${JSON.stringify(body)}`);
      return body.user.id;
    },
    linkFor: (email) =>
      waitFor(`the sign-in mail to ${email}`, () => {
        const mail = smtp.mails.filter((m) => m.to.includes(email) && /\/partner\/signin\?t=/.test(m.text)).at(-1);
        return mail === undefined
          ? undefined
          : /https?:\/\/\S+\/partner\/signin\?t=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
      }),
    stop: async () => {
      await service.stop();
      await sandbox.stop();
      await smtp.stop();
    },
  };
}

export { waitFor };
