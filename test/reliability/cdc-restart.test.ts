// Killing `serve` while Salesforce change events flow loses nothing and posts nothing twice: the
// real CLI runs as a child process with `crm.salesforce.events: cdc` against the sandbox's
// Pub/Sub server (it trusts the run's certificate through NODE_EXTRA_CA_CERTS, as an operator
// would add a corporate CA; nothing in partnersync turns verification off). A rep keeps changing
// opportunities; the process is SIGKILLed mid-stream and started again; at the end every change
// is written back, and the ledger equals a clean sync's, key by key.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { INTEGRATION_USERNAME } from '../../src/sandbox/salesforce/seed/seed-org.ts';
import { isSalesforcePersonality } from '../../src/sandbox/salesforce/personality.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { systemClock } from '../../src/sandbox/clock.ts';
import { adapterFor, salesforceConfig } from '../crm/salesforce/helpers.ts';
import {
  atOrAfter,
  pubsubSandbox,
  repUsername,
  sfRest,
  testCert,
  tokenFor,
  until,
} from '../crm/salesforce/pubsub-helpers.ts';
import { ROOT } from '../helpers/run-node.ts';

const PROGRAM = readFileSync(path.join(ROOT, 'config/examples/program.yaml'), 'utf8');
const ADMIN = 'admin-token-0123456789abcdef';
const OPP_TOPIC = '/data/OpportunityChangeEvent';

type Sandbox = Awaited<ReturnType<typeof pubsubSandbox>>;

interface Serve {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function dump(sandbox: Sandbox, object: string): Record<string, unknown>[] {
  return ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)[object] ?? []) as Record<string, unknown>[];
}

function newestReplayId(sandbox: Sandbox): string | null {
  const p = sandbox.state.personality;
  if (!isSalesforcePersonality(p)) throw new Error('not a Salesforce sandbox');
  const events = p.changeLog.list().filter((e) => e.topic === OPP_TOPIC);
  const last = events[events.length - 1];
  if (last === undefined) return null;
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(last.replayId);
  return buf.toString('base64');
}

describe('serve killed while change events flow', () => {
  let sandbox: Sandbox;
  let dir: string;
  let configFile: string;
  let storeUrl: string;
  let caFile: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    sandbox = await pubsubSandbox();
    dir = mkdtempSync(path.join(tmpdir(), 'partnersync-cdc-kill-'));
    storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
    caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, (await testCert()).cert);
    configFile = path.join(dir, 'partnersync.yaml');
    const crm = {
      provider: 'salesforce',
      salesforce: {
        loginUrl: sandbox.url,
        instanceUrl: sandbox.url,
        events: 'cdc',
        pubsubEndpoint: sandbox.pubsubEndpoint,
      },
    };
    writeFileSync(configFile, `${PROGRAM}\n${stringify({ crm, store: { url: storeUrl } })}`);
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await sandbox.stop();
  });

  function serve(): Promise<Serve> {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'test/reliability/cli-runner.ts'),
        'serve',
        '--config',
        configFile,
        '--port',
        '0',
        '--no-scheduler',
      ],
      {
        cwd: dir,
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: caFile,
          SF_CLIENT_ID: 'partnersync-test',
          SF_CLIENT_SECRET: 'test-secret',
          SF_REFRESH_TOKEN: 'test-refresh-token',
          PARTNERSYNC_TOKENS: `admin:${ADMIN}`,
          LOG_LEVEL: 'info',
        },
      },
    );
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return until(
      'serve to listen',
      () => {
        if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${out}`);
        const m = /partnersync listening on \S+ .*?: API (http:\/\/[^\s]+)\/v1,/.exec(out);
        return m?.[1] === undefined ? null : { child, url: m[1], output: () => out };
      },
      30_000,
    );
  }

  async function storedReplayId(account: string): Promise<string | null> {
    const store = await openStore(storeUrl);
    try {
      return await store.eventCheckpoint(account, `salesforce-cdc:${OPP_TOPIC}`);
    } finally {
      await store.close();
    }
  }

  it('loses nothing and posts nothing twice', async () => {
    const org = sandbox.state.personality;
    if (!isSalesforcePersonality(org)) throw new Error('not a Salesforce sandbox');
    const account = org.orgId;
    let svc = await serve();
    const full = await fetch(`${svc.url}/v1/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: true }),
    });
    expect(full.status).toBe(202);
    // the full sync's own write-backs were consumed: the stream has a committed position
    await until(
      'the first position',
      async () => {
        const newest = newestReplayId(sandbox);
        return newest !== null && atOrAfter(await storedReplayId(account), newest) ? true : null;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${svc.output()}`);
    });

    const rep = await tokenFor(sandbox, repUsername(sandbox, INTEGRATION_USERNAME));
    const deals = dump(sandbox, 'Opportunity')
      .filter(
        (o) => o['IsWon'] === true && typeof o['Partner_Commission__c'] === 'number' && o['Partner_Commission__c'] > 0,
      )
      .slice(0, 12)
      .map((o) => ({
        id: String(o['Id']),
        amount: Number(o['Amount']),
        commission: Number(o['Partner_Commission__c']),
      }));
    expect(deals.length).toBe(12);

    let killed: Serve | null = null;
    for (const [i, deal] of deals.entries()) {
      const res = await sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${deal.id}`, rep, { Amount: deal.amount * 2 });
      expect(res.status).toBe(204);
      if (i === 3) {
        // once the stream has fed a targeted sync, kill the process without warning, mid-stream
        const first = svc;
        await until('a targeted sync', () => (first.output().includes('"mode":"targeted"') ? true : null), 30_000);
        first.child.kill('SIGKILL');
        await new Promise((r) => first.child.once('exit', r));
        killed = first;
      }
      if (i === 8) svc = await serve();
      await new Promise((r) => setTimeout(r, 150));
    }

    // every event consumed (own write-backs included) before the process stops
    await until(
      'the stream to catch up',
      async () => {
        const newest = newestReplayId(sandbox);
        return newest !== null && atOrAfter(await storedReplayId(account), newest) ? true : null;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${svc.output()}`);
    });
    svc.child.kill('SIGTERM');
    await new Promise((r) => svc.child.once('exit', r));
    // both processes consumed change events through targeted syncs
    expect(killed?.output()).toContain('"mode":"targeted"');
    expect(svc).not.toBe(killed);
    expect(svc.output()).toContain('"mode":"targeted"');

    // the ledger the service posted equals what a clean sync of the same org posts, key by key
    const served = await openStore(storeUrl);
    const clean = await openStore(`sqlite:${path.join(dir, 'clean.db')}`);
    try {
      const config = salesforceConfig();
      const crm = adapterFor(sandbox.url, config);
      const result = await runSync(
        { crm, store: clean, clock: systemClock, logger: silentLogger(), config },
        { full: true },
      );
      expect(result.status).toBe('succeeded');
      // nothing lost: the CRM already holds every value a clean computation writes
      expect(result.report.writeBack).toMatchObject({ deals: 0, partners: 0 });
      const changed = deals.filter((d) => {
        const row = dump(sandbox, 'Opportunity').find((o) => o['Id'] === d.id);
        return row?.['Partner_Commission__c'] !== d.commission;
      });
      expect(changed.length).toBeGreaterThan(0);
      const balances = async (s: typeof served) =>
        Object.fromEntries([...(await s.keyBalances(account))].map(([k, b]) => [k, b.posted.toString()]));
      const expected = await balances(clean);
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      expect(await balances(served)).toEqual(expected);
    } finally {
      await served.close();
      await clean.close();
    }
  }, 240_000);
});
