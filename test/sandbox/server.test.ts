// The sandbox core: inspection routes, mutate, reset, seed determinism across starts, the state
// file round trip, and the CLI's first line.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/sandbox/clock.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { ANCHOR, bearer, getJson, hubspotDump, hubspotSandbox, sdk, type HubspotFixture } from './helpers.ts';

describe('inspection routes', () => {
  const clock = manualClock(Date.parse(ANCHOR) + 7_200_000);
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox({ clock, deals: 60, limits: 'off' });
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('GET /__sandbox/state shows records as stored, partners with type PARTNER', async () => {
    const dump = await hubspotDump(fx.sandbox);
    expect(dump.deals).toHaveLength(60);
    expect(dump.companies.filter((c) => c.properties['type'] === 'PARTNER')).toHaveLength(20);
    expect(dump.deals[0]?.properties['hs_object_id']).toBe(dump.deals[0]?.id);
    expect(dump.deals[0]?.properties['pipeline']).toMatch(/^(default|\d+)$/);
  });

  it('POST /__sandbox/mutate changes N deals and bumps their modified date; reset restores the seed', async () => {
    const before = await hubspotDump(fx.sandbox);
    const { body } = await getJson(`${fx.sandbox.url}/__sandbox/mutate`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify({ count: 5 }),
    });
    const ids = (body as { ids: string[] }).ids;
    expect(new Set(ids).size).toBe(5);
    const after = await hubspotDump(fx.sandbox);
    for (const id of ids) {
      const was = before.deals.find((d) => d.id === id);
      const now = after.deals.find((d) => d.id === id);
      expect(now?.updatedAt).toBe(new Date(clock.now()).toISOString());
      expect(
        now?.properties['amount'] !== was?.properties['amount'] ||
          now?.properties['dealstage'] !== was?.properties['dealstage'],
      ).toBe(true);
    }
    expect(
      (await getJson(`${fx.sandbox.url}/__sandbox/mutate`, { method: 'POST', headers: bearer(), body: '{"count":-1}' }))
        .status,
    ).toBe(400);
    expect((await getJson(`${fx.sandbox.url}/__sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect(await hubspotDump(fx.sandbox)).toEqual(before);
  });

  it('GET /__sandbox/stats counts requests by templated route and status', async () => {
    fx.sandbox.state.resetStats();
    const id = (await hubspotDump(fx.sandbox)).deals[0]?.id ?? '';
    await fx.client.crm.deals.basicApi.update(id, sdk({ properties: { amount: '10' } }));
    await getJson(`${fx.sandbox.url}/crm/v3/objects/deals/does-not-exist`, { headers: bearer() });
    const { body } = await getJson(`${fx.sandbox.url}/__sandbox/stats`);
    expect(body).toEqual({
      total: 2,
      rateLimited: 0,
      faults: {},
      byRoute: {
        'PATCH /crm/v3/objects/deals/{id}': { count: 1, statuses: { 200: 1 } },
        'GET /crm/v3/objects/deals/{id}': { count: 1, statuses: { 404: 1 } },
      },
    });
  });

  it('exposes the HubSpot personality in-process', () => {
    const personality = fx.sandbox.state.personality;
    expect(isHubspotPersonality(personality)).toBe(true);
  });
});

describe('seed determinism across starts', () => {
  it('two sandboxes with the same seed hold the same records; another seed differs', async () => {
    const [a, b, c] = await Promise.all([
      hubspotSandbox({ seed: 3, deals: 80 }),
      hubspotSandbox({ seed: 3, deals: 80 }),
      hubspotSandbox({ seed: 4, deals: 80 }),
    ]);
    try {
      const [da, db, dc] = await Promise.all([hubspotDump(a.sandbox), hubspotDump(b.sandbox), hubspotDump(c.sandbox)]);
      expect(da).toEqual(db);
      expect(da.deals).not.toEqual(dc.deals);
    } finally {
      await Promise.all([a.sandbox.stop(), b.sandbox.stop(), c.sandbox.stop()]);
    }
  });
});

describe('state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'partnersync-sandbox-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves on stop and loads on the next start, so a later run sees the same CRM', async () => {
    const stateFile = join(dir, 'data', 'sandbox.json');
    const first = await hubspotSandbox({ deals: 40, stateFile, saveDebounceMs: 10 });
    const dump = await hubspotDump(first.sandbox);
    const deal = dump.deals[3]?.id ?? '';
    await first.client.crm.deals.basicApi.update(deal, sdk({ properties: { amount: '4242.42' } }));
    const task = await first.client.crm.objects.tasks.basicApi.create(
      sdk({ properties: { hs_timestamp: '2026-06-03T10:00:00Z', hs_task_subject: 'Persist me' } }),
    );
    await first.sandbox.stop();
    expect(existsSync(stateFile)).toBe(true);
    expect(existsSync(`${stateFile}.${process.pid}.tmp`)).toBe(false);

    // Different seed options: the file wins, as `serve` must see the CRM the demo left behind.
    const second = await hubspotSandbox({ deals: 5, seed: 99, stateFile });
    try {
      const read = await second.client.crm.deals.basicApi.getById(deal, ['amount'], ['amount']);
      expect(read.properties['amount']).toBe('4242.42');
      expect(read.propertiesWithHistory?.['amount']?.map((h) => h.value)[0]).toBe('4242.42');
      expect(
        (await second.client.crm.objects.tasks.basicApi.getById(task.id, ['hs_task_subject'])).properties[
          'hs_task_subject'
        ],
      ).toBe('Persist me');
      const again = await hubspotDump(second.sandbox);
      expect(again.deals).toHaveLength(40);
      expect(again.companies).toEqual(dump.companies);
      const newTask = await second.client.crm.objects.tasks.basicApi.create(
        sdk({ properties: { hs_timestamp: '2026-06-03T11:00:00Z' } }),
      );
      expect(Number(newTask.id)).toBeGreaterThan(Number(task.id));
    } finally {
      await second.sandbox.stop();
    }
  });

  it('refuses a state file of the other CRM or of another format', async () => {
    const wrong = join(dir, 'wrong.json');
    writeFileSync(
      wrong,
      JSON.stringify({
        version: 1,
        crm: 'salesforce',
        seedParams: { seed: 1, partners: 1, deals: 1, anchor: ANCHOR },
        savedAt: ANCHOR,
        state: {},
      }),
    );
    await expect(hubspotSandbox({ stateFile: wrong })).rejects.toThrow(/salesforce/);
    writeFileSync(wrong, '{"hello":"world"}');
    await expect(hubspotSandbox({ stateFile: wrong })).rejects.toThrow(/not a sandbox state file/);
  });
});

describe('CLI', () => {
  it('prints "listening on http://127.0.0.1:PORT" first and saves the state file on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partnersync-cli-'));
    const stateFile = join(dir, 'state.json');
    const runner = join(dir, 'run.ts');
    writeFileSync(
      runner,
      `import { main } from ${JSON.stringify(join(process.cwd(), 'src/cli/main.ts'))};\nprocess.exitCode = await main(process.argv.slice(2), process.env);\n`,
    );
    const child = spawn(
      process.execPath,
      [
        runner,
        'sandbox',
        '--crm',
        'hubspot',
        '--port',
        '0',
        '--deals',
        '30',
        '--partners',
        '5',
        '--state-file',
        stateFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        // The whole CLI is imported: a command that fails to load shows up here, with its stderr.
        child.once('exit', (code) => {
          reject(new Error(`sandbox exited with ${String(code)}: ${stderr}`));
        });
      });
      expect(firstLine).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = firstLine.replace('listening on ', '');
      const deals = await getJson(`${url}/crm/v3/objects/deals?limit=100`, { headers: bearer() });
      expect((deals.body as { results: unknown[] }).results).toHaveLength(30);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ version: 1, crm: 'hubspot' });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad fault spec with exit code 2', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const err: string[] = [];
    const code = await main(
      ['sandbox', '--crm', 'hubspot', '--faults', '429'],
      {},
      {
        stdout: () => undefined,
        stderr: (t) => {
          err.push(t);
        },
        isTty: false,
      },
    );
    expect(code).toBe(2);
    expect(err.join('')).toContain('--faults');
  });

  it.each([
    [['--crm', 'hubspot', '--timezone', 'Mars/Olympus'], '--timezone: "Mars/Olympus" is not an IANA time zone'],
    [['--crm', 'hubspot', '--single-currency'], '--single-currency: only with --crm salesforce'],
  ])('rejects %j with exit code 2', async (args, message) => {
    const { main } = await import('../../src/cli/main.ts');
    const err: string[] = [];
    const code = await main(
      ['sandbox', ...args],
      {},
      { stdout: () => undefined, stderr: (t) => err.push(t), isTty: false },
    );
    expect(code).toBe(2);
    expect(err.join('')).toContain(message);
  });
});

describe('request errors', () => {
  it("answers malformed JSON and unknown paths in HubSpot's error shape", async () => {
    const fx = await hubspotSandbox({ deals: 5, limits: 'off' });
    try {
      const bad = await getJson(`${fx.sandbox.url}/crm/v3/objects/deals/search`, {
        method: 'POST',
        headers: bearer(),
        body: '{not json',
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({
        status: 'error',
        category: 'VALIDATION_ERROR',
        correlationId: expect.any(String) as unknown,
      });
      const unknown = await getJson(`${fx.sandbox.url}/crm/v3/nothing-here`, { headers: bearer() });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    } finally {
      await fx.sandbox.stop();
    }
  });
});
