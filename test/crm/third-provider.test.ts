// A CRM is one folder: a third provider that exists only in the tests (fake-provider/) is
// registered next to the built-in ones, and core code that never heard of it validates its
// config block, redacts its secret, links to its records from the dashboard, turns its change
// events into targeted syncs, mounts its webhook receiver, and passes it through the shared
// adapter contract suite.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { readEnv } from '../../src/config/env.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { builtInProviders } from '../../src/providers.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { TOKENS } from '../http/service-helpers.ts';
import { PROGRAM_YAML, seedCrm } from '../sync/helpers.ts';
import { signIn } from '../ui/ui-service.ts';
import { describeAdapterContract } from './adapter-contract.ts';
import { fakeProvider } from './fake-provider/provider.ts';

const { provider, worlds } = fakeProvider(seedCrm);
const providers = builtInProviders.with(provider);
const SECRET = 'fake-token-5ecret-0123456789';

/** The test program with a `crm:` section for the fake provider. */
function fakeYaml(block: string, store = ''): string {
  return `${PROGRAM_YAML.replace(/crm:\n {2}provider: hubspot\n/, '')}crm:\n  provider: fake\n  fake: ${block}\n${store}`;
}

function load(block: string, store = ''): LoadedConfig {
  return { file: 'fake.yaml', ...parseConfigText(fakeYaml(block, store), 'fake.yaml', providers) };
}

function world(account: string) {
  const w = worlds.get(account);
  if (w === undefined) throw new Error(`no fake account ${account}`);
  return w;
}

describe('a third provider, registered from the tests', () => {
  it('is refused by the built-in registry and accepted next to it', () => {
    expect(() => parseConfigText(fakeYaml('{}'), 'fake.yaml')).toThrow(/crm\.provider: must be one of: hubspot/);
    expect(load('{ account: a }').config.crm?.provider).toBe('fake');
  });

  it('has its config errors named crm.fake.<key>, with the fix', () => {
    let caught: unknown;
    try {
      load('{ pageSize: 0, colour: blue }');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const lines = (caught as ConfigError).lines().join('\n');
    expect(lines).toContain('crm.fake.pageSize: must be at least 1 record per page');
    expect(lines).toMatch(/crm\.fake\.colour: unknown key/);
  });

  it('has its secret redacted from logs wherever it appears, and its missing credentials reported by config validate', async () => {
    const env = readEnv({ FAKE_CRM_TOKEN: SECRET }, providers);
    expect(env.secrets).toContain(SECRET);
    let logged = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString('utf8');
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination, secrets: env.secrets });
    await createCrmAdapter(load('{ account: redaction }'), { env, logger, dataDir: tmpdir() });
    logger.info({ note: `again: ${SECRET}` }, `and in a message: ${SECRET}`);
    expect(logged).toContain('fake CRM: connecting');
    expect(logged).toContain('fake://[redacted]@redaction');
    expect(logged).not.toContain(SECRET);

    const dir = mkdtempSync(path.join(tmpdir(), 'ps-fake-'));
    const file = path.join(dir, 'fake.yaml');
    writeFileSync(file, fakeYaml('{}'));
    let stderr = '';
    let stdout = '';
    const io = {
      stdout: (t: string) => {
        stdout += t;
      },
      stderr: (t: string) => {
        stderr += t;
      },
      isTty: false,
    };
    expect(await main(['config', 'validate', '--config', file], {}, io, providers)).toBe(2);
    expect(stderr).toContain('FAKE_CRM_TOKEN: is not set');
    expect(await main(['config', 'validate', '--config', file], { FAKE_CRM_TOKEN: SECRET }, io, providers)).toBe(0);
    expect(stdout).toContain('CRM fake');
  });
});

describe('a third provider in the running service', () => {
  let svc: Service;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-fake-svc-'));
    const config = load(
      '{ account: service, pageSize: 50, recordUrl: "https://crm.example.org" }',
      `store: { url: "sqlite:${path.join(dir, 'store.db')}" }\n`,
    );
    const env = readEnv(
      {
        FAKE_CRM_TOKEN: SECRET,
        PARTNERSYNC_TOKENS: `viewer:${TOKENS.viewer},finance:${TOKENS.finance},admin:${TOKENS.admin}`,
      },
      providers,
    );
    svc = await startService({
      config,
      env,
      logger: silentLogger(),
      cwd: dir,
      port: 0,
      scheduler: false,
      webhookDebounceMs: 10,
    });
    const first = await fetch(`${svc.url}/v1/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: true }),
    });
    expect(first.status).toBe(202);
    await svc.syncs.idle();
  });

  afterAll(async () => {
    await svc.stop();
  });

  const runs = async (): Promise<{ mode: string; status: string; report: { pull: { deals: number } } }[]> => {
    const res = await fetch(`${svc.url}/v1/runs`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    return ((await res.json()) as { runs: { mode: string; status: string; report: { pull: { deals: number } } }[] })
      .runs;
  };

  it('links the dashboard to its records', async () => {
    const browser = await signIn(svc.url, TOKENS.admin);
    const page = await (await browser.get('/ui/partners/p2')).text();
    expect(page).toContain('href="https://crm.example.org/partners/p2"');
  });

  it('delivers a change through its event source into a targeted sync, then stores its position', async () => {
    const w = world('service');
    w.crm.updateDeal('d2', { amount: '7000.00' });
    const before = (await runs()).length;
    w.feed.push({ deals: ['d2'], partners: [] });
    const account = await svc.crm.accountKey();
    for (let i = 0; i < 200 && (await svc.store.eventCheckpoint(account, 'fake-feed:seq')) !== '1'; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await svc.store.eventCheckpoint(account, 'fake-feed:seq')).toBe('1');
    const after = await runs();
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ mode: 'targeted', status: 'succeeded', report: { pull: { deals: 1 } } });
    expect(w.crm.deal('d2')?.written.attributionSummary).toContain('7,000.00');
  });

  it('mounts its webhook receiver, which verifies before it parses', async () => {
    const post = (token: string, body: string) =>
      fetch(`${svc.url}/v1/webhooks/fake`, { method: 'POST', headers: { 'x-fake-token': token }, body });
    expect((await post('wrong', '["d1"]')).status).toBe(401);
    const before = (await runs()).length;
    expect((await post(SECRET, '["d1"]')).status).toBe(204);
    await new Promise((r) => setTimeout(r, 50));
    await svc.syncs.idle();
    const after = await runs();
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ mode: 'targeted', status: 'succeeded' });
  });
});

describeAdapterContract('a third provider (test-only fake), built through the registry', async () => {
  const adapter = await createCrmAdapter(load('{ account: contract, pageSize: 2 }'), {
    env: readEnv({ FAKE_CRM_TOKEN: SECRET }, providers),
    logger: silentLogger(),
    dataDir: tmpdir(),
  });
  const { crm } = world('contract');
  // owners and contacts for the people capabilities (notifications' recipients)
  crm.owners.set('o1', { email: 'owner.one@example.com', name: 'Owner One' });
  for (const id of ['p1', 'p2', 'p3']) crm.updatePartner(id, { ownerId: 'o1' });
  crm.contacts.push(
    {
      id: 'c1',
      partnerId: 'p1',
      email: 'pm@p1.example',
      name: 'P1 manager',
      properties: { jobtitle: 'Partner manager' },
    },
    { id: 'c2', partnerId: 'p1', email: 'ceo@p1.example', name: 'P1 CEO', properties: { jobtitle: 'CEO' } },
    { id: 'c3', partnerId: 'p2', email: null, name: 'No mail', properties: { jobtitle: 'Partner manager' } },
    {
      id: 'c4',
      partnerId: 'p3',
      email: 'pm@p3.example',
      name: 'P3 manager',
      properties: { jobtitle: 'Partner manager' },
    },
  );
  let customers = 0;
  return {
    adapter,
    mutateDeals: (count) => {
      const ids = ['d1', 'd2', 'd5', 'd3', 'd4'].filter((id) => crm.deal(id) !== undefined).slice(0, count);
      for (const id of ids) crm.updateDeal(id, { amount: `${1000 + ids.indexOf(id)}.00` });
      return Promise.resolve(ids);
    },
    removeDeal: (id) => {
      crm.deleteDeal(id);
      return Promise.resolve();
    },
    demotePartner: (id) => {
      crm.deletePartner(id);
      return Promise.resolve();
    },
    changeDealCustomer: (id) => {
      const customer = `moved-${++customers}`;
      crm.setCustomerSilently(id, customer);
      return Promise.resolve(customer);
    },
    contactFilter: { jobtitle: 'Partner manager' },
    breakCrm: () => {
      crm.broken = true;
      return Promise.resolve();
    },
    close: () => adapter.close(),
  };
});
