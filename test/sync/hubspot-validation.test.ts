// Issue 14: validation-aware writes on the 2026-09 paths. The sandbox is given portal rules that
// refuse one deal update (a conditionally required property) and one task create (a required
// field); every other write lands, the run report names the record, the properties and HubSpot's
// message, the store keeps the refusal, and the next unchanged run does not send it again (a
// `sync --full` does). A probe sandbox of the same seed tells which deal and task the run writes.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/log.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { systemClock } from '../../src/sync/deps.ts';
import { runSync, type SyncOptions } from '../../src/sync/run-sync.ts';
import { hubspotDump } from '../sandbox/helpers.ts';
import { storeTargets, testConfig } from './helpers.ts';

const SANDBOX = {
  crm: 'hubspot',
  seed: 7,
  partners: 20,
  deals: 300,
  limits: 'off',
  anchor: '2026-11-01T00:00:00Z',
} as const;

/** A portal id of its own per sync set-up: the PostgreSQL test database is shared, accounts are not. */
let nextPortal = 700_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

async function syncer(sandbox: SandboxHandle, store: KyselyStore) {
  nextPortal += 1;
  const program = readFileSync('config/examples/program.yaml', 'utf8');
  const cfg = testConfig(
    `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: ${nextPortal}, searchLagSeconds: 0, searchOverlapSeconds: 0 }\n`,
  );
  const crm = await createCrmAdapter(cfg, {
    env: readEnv({ HUBSPOT_ACCESS_TOKEN: 'validation-token' }),
    logger: silentLogger(),
    dataDir: '/tmp',
  });
  const plan = await crm.provision({ dryRun: false });
  expect(plan.applied).toBe(true);
  return {
    crm,
    sync: (options: SyncOptions) =>
      runSync({ crm, store, clock: systemClock, logger: silentLogger(), config: cfg }, options),
  };
}

/** What a rule-free full sync of this seed writes: one deal it updates and the subjects of the tasks it creates. */
let probe: { dealName: string; dealId: string; taskSubjects: string[]; dealsWritten: number };

beforeAll(async () => {
  const sandbox = await startSandbox(SANDBOX);
  const before = await hubspotDump(sandbox);
  const store = await openStore('sqlite::memory:');
  const { sync, crm } = await syncer(sandbox, store);
  const run = await sync({ full: true });
  expect(run.status).toBe('succeeded');
  const after = await hubspotDump(sandbox);
  const names = new Map<string, number>();
  for (const d of before.deals)
    names.set(d.properties['dealname'] ?? '', (names.get(d.properties['dealname'] ?? '') ?? 0) + 1);
  const written = after.deals.find((d) => {
    const was = before.deals.find((b) => b.id === d.id);
    return (
      names.get(d.properties['dealname'] ?? '') === 1 &&
      JSON.stringify(was?.properties) !== JSON.stringify(d.properties)
    );
  });
  if (!written) throw new Error('the probe sync updated no deal with a unique name');
  probe = {
    dealName: written.properties['dealname'] ?? '',
    dealId: written.id,
    taskSubjects: after.tasks.map((t) => t.properties['hs_task_subject'] ?? ''),
    dealsWritten: run.report.writeBack.deals,
  };
  expect(new Set(probe.taskSubjects).size).toBeGreaterThan(1);
  await crm.close();
  await store.close();
  await sandbox.stop();
}, 120_000);

describe.each(storeTargets())('validation-aware writes on 2026-09 ($name)', (target) => {
  let sandbox: SandboxHandle;
  let store: KyselyStore;
  beforeAll(async () => {
    sandbox = await startSandbox(SANDBOX);
    store = await openStore(target.url());
  });
  afterAll(async () => {
    await store.close();
    await sandbox.stop();
  });

  it('refuses one update and one task by the portal rules, writes everything else, reports and holds the refusals', async () => {
    const personality = sandbox.state.personality;
    if (!isHubspotPersonality(personality)) throw new Error('not a HubSpot sandbox');
    const refusedSubject = probe.taskSubjects[0] ?? '';
    personality.setRules({
      requiredWhen: [
        { object: 'deals', property: 'closed_lost_reason', whenProperty: 'dealname', whenValue: probe.dealName },
      ],
      requiredOnCreate: [
        {
          object: 'tasks',
          properties: ['hs_task_reminders'],
          whenProperty: 'hs_task_subject',
          whenValue: refusedSubject,
        },
      ],
      deniedAssociations: [],
      nameInputs: true,
    });
    const { sync, crm } = await syncer(sandbox, store);
    const updates = (): number =>
      sandbox.state.stats().byRoute['POST /crm/objects/2026-09/deals/batch/update']?.count ?? 0;

    const first = await sync({ full: true });
    expect(first.report.error ?? first.status).toBe('succeeded');
    // exactly the refused deal is reported, with the property and HubSpot's message; the rest landed
    expect(first.report.writeBack.failures).toEqual([
      {
        object: 'deal',
        id: probe.dealId,
        reason: expect.stringContaining('closed_lost_reason') as string,
        properties: ['closed_lost_reason'],
        refusal: true,
      },
    ]);
    expect(first.report.writeBack.deals).toBe(probe.dealsWritten - 1);
    expect(first.report.tasks.failed).toEqual([
      {
        marker: expect.any(String) as string,
        reason: expect.stringContaining('hs_task_reminders') as string,
        properties: ['hs_task_reminders'],
      },
    ]);
    expect(first.report.tasks.created).toBe(probe.taskSubjects.length - 1);
    const tasks = (await hubspotDump(sandbox)).tasks.map((t) => t.properties['hs_task_subject']);
    expect(tasks).not.toContain(refusedSubject);
    expect(tasks).toHaveLength(probe.taskSubjects.length - 1);
    // the run record (GET /v1/runs) carries the same report; the store keeps the refusals
    const stored = await store.getRun(first.runId);
    expect(JSON.stringify(stored?.report)).toContain(probe.dealId);
    const refusals = await store.writeRefusals(first.account);
    expect(refusals.map((r) => [r.object, r.properties])).toEqual(
      expect.arrayContaining([
        ['deal', ['closed_lost_reason']],
        ['task', ['hs_task_reminders']],
      ]),
    );
    expect(refusals).toHaveLength(2);

    // the next run with nothing changed sends neither again
    const before = updates();
    const again = await sync({});
    expect(again.report.error ?? again.status).toBe('succeeded');
    expect(again.report.writeBack).toMatchObject({ deals: 0, failures: [], held: 1 });
    expect(again.report.tasks).toMatchObject({ created: 0, failed: [], held: 1 });
    expect(updates()).toBe(before);

    // sync --full tries them again (still refused: the rule is unchanged)
    const full = await sync({ full: true });
    expect(full.report.writeBack.failures.map((f) => f.id)).toEqual([probe.dealId]);
    expect(full.report.tasks.failed).toHaveLength(1);
    expect(updates()).toBe(before + 1);

    // once the portal drops its rules, the held writes land on the next full run and the refusals go
    personality.setRules({ requiredWhen: [], requiredOnCreate: [], deniedAssociations: [], nameInputs: true });
    const fixed = await sync({ full: true });
    expect(fixed.report.writeBack.failures).toEqual([]);
    expect(fixed.report.tasks).toMatchObject({ created: 1, failed: [] });
    expect(await store.writeRefusals(first.account)).toEqual([]);
    await crm.close();
  }, 120_000);
});
