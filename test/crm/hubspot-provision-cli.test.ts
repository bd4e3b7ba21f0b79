// `partnersync provision` through the CLI, on the in-process sandbox (`crm.provider:
// sandbox-hubspot`, state kept in a file between runs).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ps-provision-'));
const program = readFileSync('config/examples/program.yaml', 'utf8');

function configFile(name: string, extra = ''): string {
  const file = path.join(dir, name);
  const stateFile = path.join(dir, `${name}.sandbox.json`);
  writeFileSync(
    file,
    `${program}\ncrm:\n  provider: sandbox-hubspot\n  sandbox: { partners: 6, deals: 40, stateFile: ${JSON.stringify(stateFile)} }\n${extra}`,
  );
  return file;
}

describe('partnersync provision', () => {
  it('prints the plan on a dry run, applies it, and then finds nothing to change', async () => {
    const file = configFile('a.yaml');
    const dry = await runCli(['provision', '--dry-run', '--config', file]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^update {3}deal property partner_source: label "Partner source" → "Sourcing partner"/m);
    expect(dry.stdout).toMatch(/^create {3}task property partnersync_marker: /m);
    expect(dry.stdout).toMatch(/^dry run: 2 to create, \d+ to update, \d+ ok, 0 conflicts; nothing was changed$/m);

    const applied = await runCli(['provision', '--config', file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^applied: 2 created, \d+ updated, \d+ ok, 0 conflicts$/m);

    const again = await runCli(['provision', '--dry-run', '--config', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^dry run: 0 to create, 0 to update, \d+ ok, 0 conflicts; nothing was changed$/m);
  });

  it('exits 2 with the conflict lines when a mapping names a property that does not exist', async () => {
    const file = configFile('b.yaml', '  mappings:\n    deal.amount: { field: amount_net }\n');
    const run = await runCli(['provision', '--config', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'conflict deal property amount_net: deal.amount is mapped to amount_net, which does not exist in HubSpot',
    );
    expect(run.stderr).toMatch(/not applied: .*1 conflict; resolve the conflicts and run again/);
  });

  it('exits 2 on an invalid HubSpot mapping, naming its path', async () => {
    const file = configFile('c.yaml', '  mappings:\n    deal.sourcePartner: { field: partner_source }\n');
    const run = await runCli(['provision', '--dry-run', '--config', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('crm.mappings["deal.sourcePartner"]: unknown canonical field for HubSpot');
  });
});
