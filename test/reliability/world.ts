// One "world" of the reliability suite: a sandbox CRM (in this process), a store of its own
// (a fresh SQLite file, or a fresh PostgreSQL database), a config file pointing the real adapter
// (crm.provider hubspot or salesforce, through the registry) at the sandbox, and two ways to run
// a sync: in this process (runSync, as the CLI wires it) or as a separate process
// (sync-runner.ts) that can be killed. Every run computes as of one pinned instant, so worlds
// built minutes apart can be compared value for value.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/context.ts';
import { readEnv } from '../../src/config/env.ts';
import { activeCrm, loadConfigFile, type LoadedConfig } from '../../src/config/load.ts';
import { HubspotAdapter } from '../../src/crm/hubspot/adapter.ts';
import type { CrmAdapter } from '../../src/crm/port.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { SalesforceAdapter } from '../../src/crm/salesforce/adapter.ts';
import { credentialsFromEnv } from '../../src/crm/salesforce/auth.ts';
import { silentLogger } from '../../src/log.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { runSync, type SyncResult } from '../../src/sync/run-sync.ts';
import type { RunnerOutput } from './sync-runner.ts';
import { ROOT } from '../helpers/run-node.ts';

export type Crm = 'hubspot' | 'salesforce';
export type StoreKind = 'sqlite' | 'postgres';

export { ROOT };
export const CREDENTIALS = {
  HUBSPOT_ACCESS_TOKEN: 'reliability-token',
  SF_CLIENT_ID: 'reliability',
  SF_CLIENT_SECRET: 'reliability',
  SF_REFRESH_TOKEN: 'reliability',
};

/** What every world of one suite run shares: the instant results are computed as of, and the seed data's anchor. */
export interface Suite {
  asOf: number;
  anchor: string;
  /** PostgreSQL server URL (a database per world is created on it), when that target runs. */
  postgresUrl: string | undefined;
}

export interface WorldOptions {
  crm: Crm;
  store: StoreKind;
  partners: number;
  deals: number;
  seed?: number;
  faults?: string;
  /** Extra YAML under `crm.<provider>:` (flow style, e.g. "requestTimeoutSeconds: 5"). */
  crmExtra?: string;
  /** The sandbox's limits (default real). */
  limits?: 'real' | 'off';
  lockWaitSeconds?: number;
}

async function createPostgresDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `partnersync_rel_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface RunningSync {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Resolves when the process printed `ready` (modules loaded, store open, adapter built). */
  ready: Promise<void>;
  /** Resolves with the exit code, the signal and the runner's JSON line (if it printed one). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: RunnerOutput | null; stderr: string }>;
  /** Lets a runner started with `goOnStdin` begin its sync. */
  go(): void;
  /** Resolves when the run begins `step` (or when the process ends without reaching it). */
  reached(step: string): Promise<boolean>;
}

export class World {
  readonly suite: Suite;
  readonly options: WorldOptions;
  readonly dir: string;
  readonly configFile: string;
  sandbox!: SandboxHandle;
  store!: KyselyStore;
  config!: LoadedConfig;
  account = '';
  #dropDatabase: (() => Promise<void>) | null = null;

  private constructor(suite: Suite, options: WorldOptions) {
    this.suite = suite;
    this.options = options;
    this.dir = mkdtempSync(path.join(tmpdir(), `partnersync-rel-${options.crm}-`));
    this.configFile = path.join(this.dir, 'partnersync.yaml');
  }

  static async create(suite: Suite, options: WorldOptions): Promise<World> {
    const w = new World(suite, options);
    await w.#start();
    return w;
  }

  async #start(): Promise<void> {
    const o = this.options;
    const sandboxOptions: SandboxOptions = {
      crm: o.crm,
      seed: o.seed ?? 7,
      partners: o.partners,
      deals: o.deals,
      anchor: this.suite.anchor,
      limits: o.limits ?? 'real',
      onError: (err) => {
        process.stderr.write(`sandbox (${o.crm}): ${err instanceof Error ? err.message : String(err)}\n`);
      },
    };
    if (o.faults !== undefined) sandboxOptions.faults = o.faults;
    this.sandbox = await startSandbox(sandboxOptions);
    let storeUrl = `sqlite:${path.join(this.dir, 'store.db')}`;
    if (o.store === 'postgres') {
      if (this.suite.postgresUrl === undefined) throw new Error('no PostgreSQL URL for a postgres world');
      const db = await createPostgresDatabase(this.suite.postgresUrl);
      storeUrl = db.url;
      this.#dropDatabase = db.drop;
    }
    this.writeConfig(storeUrl);
    this.config = loadConfigFile(this.configFile);
    this.store = await openStore(storeUrl);
  }

  /** The example program plus a crm section for the sandbox and the store URL. */
  writeConfig(storeUrl: string, extraYaml = ''): void {
    const o = this.options;
    const program = readFileSync(path.join(ROOT, 'config/examples/program.yaml'), 'utf8');
    const url = this.sandbox.url;
    const personality = this.sandbox.state.personality;
    const portal = isHubspotPersonality(personality) ? String(personality.state.portalId) : '';
    const extra = o.crmExtra === undefined ? '' : `, ${o.crmExtra}`;
    const crm =
      o.crm === 'hubspot'
        ? // searchLagSeconds 0: the sandbox's search has no index lag (as config/examples/demo.yaml).
          `crm:\n  provider: hubspot\n  hubspot: { basePath: "${url}", portalId: "${portal}", searchLagSeconds: 0${extra} }\n`
        : `crm:\n  provider: salesforce\n  salesforce: { loginUrl: "${url}", instanceUrl: "${url}"${extra} }\n`;
    const store = `store: { url: "${storeUrl}", lockWaitSeconds: ${o.lockWaitSeconds ?? 0} }\n`;
    writeFileSync(this.configFile, `${program}\n${crm}${store}${extraYaml}`);
  }

  /**
   * The adapter for one run: from the registry, as `partnersync sync` builds it — or, with
   * `shortBackoff`, the same adapter class with its retry waits capped at 100 ms (what is retried
   * and how often stays the adapter's own), for fault trials that must stay short.
   */
  async #adapter(shortBackoff: boolean): Promise<CrmAdapter> {
    const logger = silentLogger();
    const env = readEnv(CREDENTIALS);
    if (!shortBackoff) return createCrmAdapter(this.config, { env, logger, dataDir: path.join(this.dir, 'data') });
    if (this.options.crm === 'hubspot')
      return new HubspotAdapter({
        settings: activeCrm(this.config).settings,
        env: env.raw,
        logger,
        retry: { maxDelayMs: 100 },
      });
    const crm = this.config.config.crm;
    if (crm === undefined) throw new Error('no crm section');
    return new SalesforceAdapter({
      crm,
      program: this.config.program,
      configFile: this.config.file,
      credentials: credentialsFromEnv(env.raw),
      logger,
      backoff: { maxAttempts: 4, baseMs: 25, maxMs: 100 },
    });
  }

  /** One sync in this process, wired as `partnersync sync` wires it (a fresh adapter each time, like a fresh process). */
  async syncHere(options: { full?: boolean; shortBackoff?: boolean } = {}): Promise<SyncResult> {
    const logger = silentLogger();
    const crm = await this.#adapter(options.shortBackoff === true);
    try {
      const result = await runSync(
        { crm, store: this.store, clock: { now: () => this.suite.asOf }, logger, config: this.config },
        { full: options.full === true },
      );
      this.account = result.account;
      return result;
    } finally {
      await crm.close();
    }
  }

  /** `partnersync provision` (the HubSpot task marker property needs it), through the real CLI. Retried: a faulty sandbox may refuse it. */
  async provision(): Promise<void> {
    let last = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const out = await cli(['provision', '--config', this.configFile]);
      if (out.code === 0) return;
      last = `exit ${out.code}: ${out.err.slice(0, 1500)}`;
    }
    throw new Error(`provision failed: ${last}`);
  }

  /** A sync as its own process (sync-runner.ts). With `goOnStdin` it loads, says ready, and waits for go(). */
  spawnSync(options: { goOnStdin?: boolean; wait?: number; full?: boolean } = {}): RunningSync {
    const args = [
      path.join(ROOT, 'test/reliability/sync-runner.ts'),
      '--config',
      this.configFile,
      '--as-of',
      new Date(this.suite.asOf).toISOString(),
    ];
    if (options.goOnStdin === true) args.push('--go-on-stdin');
    if (options.wait !== undefined) args.push('--wait', String(options.wait));
    if (options.full === true) args.push('--full');
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...CREDENTIALS },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const waiting = new Map<string, ((reached: boolean) => void)[]>();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('"event":"ready"')) markReady();
      for (const [step, resolvers] of waiting) {
        if (!stdout.includes(`"step":"${step}"`)) continue;
        waiting.delete(step);
        for (const r of resolvers) r(true);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const done = new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      output: RunnerOutput | null;
      stderr: string;
    }>((resolve) => {
      child.on('close', (code, signal) => {
        markReady();
        for (const resolvers of waiting.values()) for (const r of resolvers) r(false);
        waiting.clear();
        const line = stdout
          .trim()
          .split('\n')
          .reverse()
          .find((l) => l.includes('"exit"'));
        resolve({ code, signal, output: line === undefined ? null : (JSON.parse(line) as RunnerOutput), stderr });
      });
    });
    const reached = (step: string): Promise<boolean> => {
      if (stdout.includes(`"step":"${step}"`)) return Promise.resolve(true);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
      return new Promise((resolve) => {
        waiting.set(step, [...(waiting.get(step) ?? []), resolve]);
      });
    };
    return {
      child,
      ready,
      done,
      go: () => {
        child.stdin.end('go\n');
      },
      reached,
    };
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.sandbox.stop();
    await this.#dropDatabase?.();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs the CLI (src/cli/main.ts) in this process and captures what it prints. */
export async function cli(
  args: string[],
  env: Record<string, string | undefined> = CREDENTIALS,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    isTty: false,
  };
  const code = await main(args, { LOG_LEVEL: 'silent', ...env }, io);
  return { code, out, err };
}
