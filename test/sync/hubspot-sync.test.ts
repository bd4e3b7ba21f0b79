// runSync through the real HubSpot adapter on the sandbox CRM (not the fake).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import type { CrmAdapter } from '../../src/crm/port.ts';
import { silentLogger } from '../../src/log.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { storeTargets, testConfig } from './helpers.ts';
import { readFileSync } from 'node:fs';

let sandbox: SandboxHandle;
let store: KyselyStore;
const env = readEnv({ HUBSPOT_ACCESS_TOKEN: 'sandbox-token' });

beforeAll(async () => {
  sandbox = await startSandbox({
    crm: 'hubspot',
    seed: 7,
    partners: 20,
    deals: 400,
    limits: 'off',
    anchor: '2026-11-01T00:00:00Z',
  });
  store = await openStore(storeTargets()[0]?.url() ?? 'sqlite::memory:');
});
afterAll(async () => {
  await store.close();
  await sandbox.stop();
});

function config() {
  const personality = sandbox.state.personality;
  const portalId = isHubspotPersonality(personality) ? personality.state.portalId : 1;
  const program = readFileSync('config/examples/program.yaml', 'utf8');
  return testConfig(
    `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: ${portalId}, searchLagSeconds: 0, searchOverlapSeconds: 0 }\n`,
  );
}

async function sync(crm: CrmAdapter, full = false) {
  return runSync({ crm, store, clock: systemClock, logger: silentLogger(), config: config() }, { full });
}

const historyReads = (): number =>
  sandbox.state.stats().byRoute['POST /crm/objects/2026-09/deals/batch/read']?.count ?? 0;

describe('sync through the HubSpot adapter on the sandbox', () => {
  it('syncs, then an unchanged re-run writes nothing, and a fresh process reuses cached touch times', async () => {
    const first = await createCrmAdapter(config(), { env, logger: silentLogger(), dataDir: '/tmp' });
    const full = await sync(first, true);
    expect(full.status).toBe('succeeded');
    expect(full.report.snapshot.deals).toBeGreaterThan(350);
    expect(full.report.ledger.posted.accrual).toBeGreaterThan(0);
    await first.close();

    // our write-back bumped modified dates: the next run re-reads those records and writes nothing
    const settle = await createCrmAdapter(config(), { env, logger: silentLogger(), dataDir: '/tmp' });
    const again = await sync(settle);
    expect(again.report.writeBack).toMatchObject({ partners: 0, deals: 0 });
    expect(again.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
    await settle.close();

    // amounts and stages change, influencers do not: a new adapter (a new process) reads no history
    await fetch(`${sandbox.url}/__sandbox/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 60 }),
    });
    const fresh = await createCrmAdapter(config(), { env, logger: silentLogger(), dataDir: '/tmp' });
    const before = historyReads();
    const incremental = await sync(fresh);
    expect(incremental.status).toBe('succeeded');
    expect(incremental.report.pull.deals).toBeGreaterThanOrEqual(60);
    expect(historyReads() - before).toBe(0);
    await fresh.close();
  });
});
