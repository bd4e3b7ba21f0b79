// What the tests of `serve`'s sync worker threads share (sync-worker.test.ts,
// sync-worker-death.test.ts): a HubSpot sandbox, a config that points at it through the
// registry's provider (so syncs run in a worker thread), a fresh store per target, and a
// service started on it whose logger keeps its lines.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readEnv } from '../../src/config/env.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { isHubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.ts';
import type { SyncHold } from '../../src/sync/sync-runner.ts';
import { freshSchema } from '../helpers/pg-schema.ts';
import { PG_URL, testConfig } from '../sync/helpers.ts';

export const ADMIN = 'admin-token-0123456789abcdef';
export const ACCESS_TOKEN = 'install-token-0123456789';
export const env = readEnv({ HUBSPOT_ACCESS_TOKEN: ACCESS_TOKEN, PARTNERSYNC_TOKENS: `admin:${ADMIN}` });
const program = readFileSync('config/examples/program.yaml', 'utf8');

/** Run in reverse order after each test (the test file's afterEach). */
export type Cleanups = (() => Promise<void>)[];

export async function hubspotSandbox(
  cleanups: Cleanups,
  seed: { seed: number; partners: number; deals: number; faults?: string | undefined },
): Promise<{ sandbox: SandboxHandle; portalId: number }> {
  const { faults, ...rest } = seed;
  const sandbox = await startSandbox({
    crm: 'hubspot',
    limits: 'off',
    ...rest,
    ...(faults === undefined ? {} : { faults }),
  });
  cleanups.push(() => sandbox.stop());
  const p = sandbox.state.personality;
  if (!isHubspotPersonality(p)) throw new Error('not hubspot');
  return { sandbox, portalId: p.state.portalId };
}

/** The example program on this sandbox; `extra` is YAML put before the crm block. */
export function hubspotConfig(sandbox: SandboxHandle, portalId: number, storeUrl: string, extra = ''): LoadedConfig {
  return testConfig(
    `${program}\n${extra}crm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: ${portalId}, searchLagSeconds: 0, searchOverlapSeconds: 0 }\n`,
    { url: storeUrl, lockWaitSeconds: 0 },
  );
}

/** A new SQLite file or PostgreSQL schema; `tag` names it. */
export async function storeUrlOf(target: 'sqlite' | 'postgres', tag: string, cleanups: Cleanups): Promise<string> {
  if (target === 'sqlite')
    return `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), `partnersync-${tag}-`)), 'store.db')}`;
  const schema = await freshSchema(PG_URL ?? '', tag);
  cleanups.push(() => schema.drop());
  return schema.url;
}

export type Served = Service & {
  post: (p: string, body: unknown) => Promise<Response>;
  get: (p: string) => Promise<Response>;
};

/** The service on this config, stopped after the test; its log lines go to `lines`. */
export async function serveWith(
  config: LoadedConfig,
  cleanups: Cleanups,
  options: { hold?: SyncHold; lines?: string[] } = {},
): Promise<Served> {
  const lines = options.lines ?? [];
  const logger = createLogger({
    level: 'info',
    secrets: env.secrets,
    destination: {
      write: (line: string) => {
        lines.push(line);
      },
    } as unknown as NodeJS.WritableStream,
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-worker-serve-'));
  const svc = await startService({ config, env, logger, cwd: dir, port: 0, scheduler: false, syncHold: options.hold });
  let stopped = false;
  const stop = svc.stop;
  cleanups.push(async () => {
    if (!stopped) await stop();
  });
  return {
    ...svc,
    stop: async () => {
      stopped = true;
      await stop();
    },
    post: (p, body) =>
      fetch(`${svc.url}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    get: (p) => fetch(`${svc.url}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } }),
  };
}
