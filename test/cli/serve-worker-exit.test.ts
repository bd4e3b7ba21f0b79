// `partnersync serve` as a real process whose syncs run in worker threads (issue 21): after a
// sync through the API, SIGTERM ends it with exit code 0 once its spare sync thread has closed
// its store connection and adapter (the shutdown waited for a thread that did not keep the
// process alive, and the process ended mid-shutdown).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import { ROOT } from '../helpers/run-node.ts';

const ADMIN = 'admin-token-0123456789abcdef';
let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ crm: 'hubspot', partners: 4, deals: 40, limits: 'off' });
});
afterAll(async () => {
  await sandbox.stop();
});

describe('serve with worker-thread syncs, as a process', () => {
  it('runs a sync through the API, then ends with exit code 0 on SIGTERM', async () => {
    const p = sandbox.state.personality;
    if (!isHubspotPersonality(p)) throw new Error('not hubspot');
    const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-serve-worker-'));
    const config = path.join(dir, 'partnersync.yaml');
    writeFileSync(
      config,
      `${readFileSync(path.join(ROOT, 'config/examples/program.yaml'), 'utf8')}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: ${p.state.portalId}, searchLagSeconds: 0, searchOverlapSeconds: 0 }\nstore: { url: "sqlite:${path.join(dir, 'store.db')}" }\n`,
    );
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'test/reliability/cli-runner.ts'), 'serve', '--config', config, '--port', '0', '--no-scheduler'],
      {
        cwd: dir,
        env: {
          ...process.env,
          LOG_LEVEL: 'info',
          HUBSPOT_ACCESS_TOKEN: 'install-token',
          PARTNERSYNC_TOKENS: `admin:${ADMIN}`,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const ended = new Promise<number | null>((resolve) => {
      child.on('close', (code) => {
        resolve(code);
      });
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /API (http:\/\/\S+)\/v1/.exec(stdout);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.once('close', () => {
        reject(new Error(`serve ended before listening: ${stderr}`));
      });
    });
    const auth = { authorization: `Bearer ${ADMIN}` };
    const started = await fetch(`${url}/v1/sync`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    let status = 'running';
    for (let i = 0; i < 600 && status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const res = await fetch(`${url}/v1/runs/${runId}`, { headers: auth });
      if (res.status === 200) status = ((await res.json()) as { status: string }).status;
    }
    expect(status).toBe('succeeded');
    child.kill('SIGTERM');
    expect(await ended).toBe(0);
    expect(stderr).not.toContain('unsettled top-level await');
    // log lines go to stdout (JSON), beside the banner
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l['msg'] === 'partnersync listening')?.['syncs']).toBe('worker thread');
    expect(lines.some((l) => l['msg'] === 'sync finished' && l['runId'] === runId)).toBe(true);
    expect(lines.at(-1)?.['msg']).toBe('stopped');
  }, 120_000);
});
