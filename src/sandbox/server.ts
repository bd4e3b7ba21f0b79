// The sandbox CRM server: one express app, one personality (HubSpot or Salesforce) behind the
// core's middleware — stats, fault injection, bearer tokens, rate limits — plus the inspection
// routes under /__sandbox/. Usable in-process (`startSandbox`) and from the CLI.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { systemClock, type Clock } from './clock.ts';
import { FaultInjector, parseFaultSpec } from './faults.ts';
import { personalityFactory } from './personalities.ts';
import type {
  CrmName,
  FieldsMode,
  LimitSettings,
  Personality,
  PersonalityContext,
  PersonalityInit,
  TokenStore,
} from './personality.ts';
import { createRng, deriveSeed } from './rng.ts';
import { generateSeed, resolveSeedParams, type SeedParams } from './seed-model.ts';
import { inspectionRouter } from './inspection.ts';
import type { SandboxState } from './sandbox-state.ts';
import { DebouncedSaver, loadStateFile, saveStateFile, STATE_FILE_VERSION } from './state-file.ts';
import { StatsRecorder } from './stats.ts';
import { createTokenStore } from './tokens.ts';
import { apiFallbacks, apiGate } from './request-pipeline.ts';

export interface SandboxOptions {
  crm: CrmName;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a random free port. */
  port?: number;
  seed?: number;
  partners?: number;
  deals?: number;
  /** Seed data is generated around this instant (default: today 00:00 UTC). */
  anchor?: string | Date | number;
  /** `real` (default) enforces the CRM's documented limits; `off` none. */
  limits?: 'real' | 'off';
  /** Per-limit values or `false` (names documented by each personality). */
  limitOverrides?: Readonly<Record<string, number | false>>;
  /** Fault spec, see faults.ts. */
  faults?: string;
  fields?: FieldsMode;
  searchLagMs?: number;
  dailyLimit?: number;
  tokenTtlSeconds?: number;
  /** The CRM account's time zone, the program's (default UTC): seeded close dates are local midnights there. */
  timezone?: string;
  extra?: Readonly<Record<string, unknown>>;
  /** Load on start when present; save after changes (debounced) and on stop. */
  stateFile?: string;
  saveDebounceMs?: number;
  clock?: Clock;
  /**
   * Salesforce only: also serve the Pub/Sub API (gRPC over TLS) with this key and certificate
   * (PEM), on `port` (0 = a free port). Keepalive responses every `keepaliveMs` (default 270 s).
   */
  pubsub?: { key: string | Buffer; cert: string | Buffer; port?: number; keepaliveMs?: number };
  /** Unexpected errors (a failing handler, a failed save). Default: stderr. */
  onError?: (err: unknown) => void;
}

export interface SandboxHandle {
  url: string;
  /** host:port of the Pub/Sub API server, when `pubsub` was given. */
  pubsubEndpoint?: string;
  stop(): Promise<void>;
  state: SandboxState;
}

export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  const onError =
    options.onError ??
    ((err: unknown) => {
      process.stderr.write(`sandbox: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    });
  const saved = options.stateFile ? await loadStateFile(options.stateFile) : null;
  if (saved && saved.crm !== options.crm)
    throw new Error(`sandbox state file ${options.stateFile ?? ''} holds a ${saved.crm} sandbox, not ${options.crm}`);
  const seedParams = saved?.seedParams ?? resolveSeedParams(options);
  const core = createCore(options, seedParams, saved ? { from: 'saved', saved: saved.state } : null, onError);
  const server = await listen(core.app, options.host ?? '127.0.0.1', options.port ?? 0);
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  let pubsub: { endpoint: string; stop(): Promise<void> } | null = null;
  if (options.pubsub !== undefined) {
    if (options.crm !== 'salesforce') throw new Error('the Pub/Sub API is served by the Salesforce sandbox only');
    const { startPubSubServer } = await import('./salesforce/pubsub/pubsub-server.ts');
    try {
      pubsub = await startPubSubServer({
        current: () => core.state.personality,
        tokens: core.tokens,
        key: options.pubsub.key,
        cert: options.pubsub.cert,
        host: options.host ?? '127.0.0.1',
        ...(options.pubsub.port === undefined ? {} : { port: options.pubsub.port }),
        ...(options.pubsub.keepaliveMs === undefined ? {} : { keepaliveMs: options.pubsub.keepaliveMs }),
      });
    } catch (err) {
      await closeServer(server);
      throw err;
    }
  }
  return {
    url,
    ...(pubsub === null ? {} : { pubsubEndpoint: pubsub.endpoint }),
    state: core.state,
    stop: async () => {
      core.stopTimers();
      await pubsub?.stop();
      await closeServer(server);
      await core.state.save();
    },
  };
}

interface Core {
  app: express.Express;
  state: SandboxState;
  tokens: TokenStore;
  stopTimers(): void;
}

function createCore(
  options: SandboxOptions,
  seedParams: SeedParams,
  restoreFrom: PersonalityInit | null,
  onError: (err: unknown) => void,
): Core {
  const clock = options.clock ?? systemClock;
  const factory = personalityFactory(options.crm);
  const stats = new StatsRecorder();
  const faults = new FaultInjector(
    parseFaultSpec(options.faults ?? ''),
    createRng(deriveSeed(seedParams.seed, 'faults')),
  );
  const tokens = createTokenStore(clock, createRng(deriveSeed(seedParams.seed, 'tokens')));
  const limits: LimitSettings = { mode: options.limits ?? 'real', overrides: options.limitOverrides ?? {} };
  const saver = options.stateFile
    ? new DebouncedSaver(() => writeState(), options.saveDebounceMs ?? 500, onError)
    : null;
  const ctx: PersonalityContext = {
    clock,
    rng: createRng(deriveSeed(seedParams.seed, `personality:${options.crm}`)),
    limits,
    options: {
      fields: options.fields ?? 'provisioned',
      searchLagMs: options.searchLagMs ?? 0,
      dailyLimit: options.dailyLimit ?? null,
      tokenTtlSeconds: options.tokenTtlSeconds ?? null,
      timezone: options.timezone ?? 'UTC',
      extra: options.extra ?? {},
    },
    tokens,
    markDirty: () => saver?.schedule(),
  };
  const fromSeed = (): Personality =>
    factory(
      { from: 'seed', seed: generateSeed(seedParams) },
      { ...ctx, rng: createRng(deriveSeed(seedParams.seed, `personality:${options.crm}`)) },
    );
  let personality = restoreFrom ? factory(restoreFrom, ctx) : fromSeed();

  async function writeState(): Promise<void> {
    if (!options.stateFile) return;
    await saveStateFile(options.stateFile, {
      version: STATE_FILE_VERSION,
      crm: options.crm,
      seedParams,
      savedAt: new Date(clock.now()).toISOString(),
      state: personality.serialize(),
    });
  }

  const state: SandboxState = {
    crm: options.crm,
    seedParams,
    get personality() {
      return personality;
    },
    stats: () => stats.snapshot(),
    resetStats: () => {
      stats.reset();
    },
    dump: () => personality.dumpState(),
    reset: () => {
      personality = fromSeed();
      stats.reset();
      ctx.markDirty();
    },
    mutate: (count) => {
      const changed = personality.mutate(count);
      ctx.markDirty();
      return changed;
    },
    expireTokens: () => {
      tokens.expireAll();
    },
    save: async () => {
      await saver?.flush();
    },
  };

  const holds = new Set<NodeJS.Timeout>();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    '/__sandbox',
    inspectionRouter(state, () => personality),
  );
  app.use(apiGate({ current: () => personality, stats, faults, tokens, holds, changed: () => saver?.schedule() }));
  app.use((req, res, next) => {
    personality.router(req, res, next);
  });
  app.use(...apiFallbacks(() => personality, onError));

  return {
    app,
    state,
    tokens,
    stopTimers: () => {
      for (const hold of holds) clearTimeout(hold);
      holds.clear();
    },
  };
}

function listen(app: express.Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) reject(err);
      else resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    // Keep-alive connections (the SDKs' fetch pools) and held "timeout" requests would keep it open.
    server.closeAllConnections();
  });
}

export type { SandboxState } from './sandbox-state.ts';
