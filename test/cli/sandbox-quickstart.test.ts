// The Salesforce quick start and the standalone sandbox (issue 17 item 9): `partnersync sandbox`
// prints the config keys and credentials that make the real connector sync against it, and a
// change made through /__sandbox/mutate reaches the next sync; the Salesforce demo config holds
// the same program as the HubSpot one.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { ROOT } from '../helpers/run-node.ts';

/** Starts `partnersync sandbox` and resolves with its printed help once complete. */
function startSandbox(crm: string): Promise<{ child: ChildProcess; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'test/reliability/cli-runner.ts'), 'sandbox', '--crm', crm, '--partners', '6', '--deals', '40'],
      { cwd: ROOT },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\ninspect: ')) resolve({ child, out });
    });
    child.on('error', reject);
    child.on('close', (code) => {
      reject(new Error(`sandbox ended (${code}) before printing its help: ${out}`));
    });
  });
}

const programOf = (file: string): unknown =>
  (parse(readFileSync(path.join(ROOT, file), 'utf8')) as { program: unknown }).program;

describe('the standalone sandbox and the Salesforce quick start', () => {
  it.each(['hubspot', 'salesforce'])(
    'sandbox --crm %s prints config keys and credentials a real sync works with; mutate reaches the next sync',
    async (crm) => {
      const { child, out } = await startSandbox(crm);
      try {
        const url = /^listening on (\S+)$/m.exec(out)?.[1] ?? '';
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        // the printed crm block, as printed, into a config file; the printed credentials as the environment
        const lines = out.split('\n');
        const start = lines.findIndex((l) => l === '  crm:');
        const crmYaml = lines
          .slice(start, start + 3)
          .map((l) => l.slice(2))
          .join('\n');
        const envLine = lines.find((l) => l.startsWith('  environment: ')) ?? '';
        const env = Object.fromEntries(
          envLine
            .slice('  environment: '.length)
            .split(' ')
            .map((kv) => kv.split('=') as [string, string]),
        );
        const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-sbx-'));
        const config = path.join(dir, 'partnersync.yaml');
        const demo = readFileSync(path.join(ROOT, 'config/examples/demo.yaml'), 'utf8');
        writeFileSync(
          config,
          `${demo.slice(0, demo.indexOf('\ncrm:\n'))}\n${crmYaml}\nstore:\n  url: "sqlite:${path.join(dir, 'ps.db')}"\n`,
        );
        const first = await runCli(['sync', '--config', config], { ...env, LOG_LEVEL: 'silent' });
        expect(first.stderr).toBe('');
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/pulled 6 partners and 40 deals/);

        const mutate = /^try changes: curl -X POST (\S+)/m.exec(out)?.[1] ?? '';
        expect(mutate).toBe(`${url}/__sandbox/mutate`);
        const changed = (await (
          await fetch(mutate, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ count: 5 }),
          })
        ).json()) as { ids: string[] };
        expect(changed.ids).toHaveLength(5);
        const second = await runCli(['sync', '--config', config], { ...env, LOG_LEVEL: 'silent' });
        expect(second.code).toBe(0);
        expect(Number(/and (\d+) deals in/.exec(second.stdout)?.[1])).toBeGreaterThanOrEqual(5);
      } finally {
        child.kill('SIGTERM');
      }
    },
    120_000,
  );

  it('the Salesforce demo config runs the HubSpot demo program on the Salesforce sandbox, with its own data', async () => {
    expect(programOf('config/examples/demo-salesforce.yaml')).toEqual(programOf('config/examples/demo.yaml'));
    const sf = parse(readFileSync(path.join(ROOT, 'config/examples/demo-salesforce.yaml'), 'utf8')) as {
      crm: { provider: string };
      store: { url: string };
    };
    expect(sf.crm.provider).toBe('sandbox-salesforce');
    expect(sf.store.url).toBe('sqlite:./data/salesforce/partnersync.db');
    const v = await runCli(['config', 'validate', '--config', 'config/examples/demo-salesforce.yaml']);
    expect(v.code).toBe(0);
    const bad = await runCli(['demo', '--crm', 'pipedrive']);
    expect(bad).toMatchObject({ code: 2, stderr: '--crm: "pipedrive" is not hubspot or salesforce\n' });
  });
});
