// `provision` with `crm.salesforce.events: cdc` selects Opportunity and Account change events
// (Tooling PlatformEventChannelMember on the ChangeEvents channel) and shows it in its plan; the
// sandbox then publishes change events for those objects. Without cdc the plan leaves them alone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSalesforcePersonality } from '../../../src/sandbox/salesforce/personality.ts';
import { startSandbox, type SandboxHandle } from '../../../src/sandbox/server.ts';
import { adapterFor, ANCHOR, salesforceConfig } from './helpers.ts';

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({
    crm: 'salesforce',
    seed: 3,
    partners: 4,
    deals: 20,
    anchor: ANCHOR,
    limits: 'off',
    fields: 'bare',
  });
});

afterAll(async () => {
  await sandbox.stop();
});

function selected(): string[] {
  const p = sandbox.state.personality;
  if (!isSalesforcePersonality(p)) throw new Error('not a Salesforce sandbox');
  return [...p.changeLog.enabledEntities()].sort();
}

describe('provision with events: cdc', () => {
  it('leaves change events alone without cdc', async () => {
    const plan = await adapterFor(sandbox.url).provision({ dryRun: true });
    expect(plan.actions.some((a) => a.target.startsWith('change events'))).toBe(false);
  });

  it('plans, then selects Opportunity and Account change events; a second run finds them selected', async () => {
    const adapter = adapterFor(sandbox.url, salesforceConfig({ salesforce: { events: 'cdc' } }));
    expect(selected()).toEqual([]);
    const dry = await adapter.provision({ dryRun: true });
    expect(dry.actions.filter((a) => a.target.startsWith('change events'))).toEqual([
      {
        target: 'change events Opportunity',
        action: 'create',
        detail: expect.stringContaining('OpportunityChangeEvent') as unknown,
      },
      {
        target: 'change events Account',
        action: 'create',
        detail: expect.stringContaining('AccountChangeEvent') as unknown,
      },
    ]);
    expect(selected()).toEqual([]);
    const applied = await adapter.provision({ dryRun: false });
    expect(applied.applied).toBe(true);
    expect(selected()).toEqual(['Account', 'Opportunity']);
    const again = await adapter.provision({ dryRun: true });
    expect(again.actions.filter((a) => a.target.startsWith('change events')).map((a) => a.action)).toEqual([
      'ok',
      'ok',
    ]);
  });
});
