// The service: builds the deps (store, CRM adapter, logger, metrics, sync service), serves the
// HTTP API, runs the scheduler, and shuts down gracefully (stop taking requests, let the
// current sync reach a checkpoint, close the adapter and the store).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordConfigIfChanged } from './audit/record-audit.ts';
import type { Env } from './config/env.ts';
import { activeCrm, type LoadedConfig } from './config/load.ts';
import { Secrets } from './config/secrets.ts';
import { parsePayeeKey } from './ledger/payee-crypto.ts';
import type { CrmAdapter } from './crm/port.ts';
import type { ProviderContext } from './crm/provider.ts';
import { createApp, type Readiness } from './http/app.ts';
import { parseTokens } from './http/auth.ts';
import { Metrics } from './http/metrics.ts';
import { OidcSignIn } from './http/sso/oidc-sign-in.ts';
import { createDispatcher } from './notify/create-dispatcher.ts';
import { createPortalMailer } from './notify/portal-mail.ts';
import type { Dispatcher } from './notify/dispatcher.ts';
import type { Logger } from './log.ts';
import { dataDirOf, openStore, resolveStoreUrl } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { systemClock, type Clock } from './sync/deps.ts';
import { startScheduler } from './sync/scheduler.ts';
import { storeCredentials } from './sync/credentials.ts';
import { startEventSources, type RunningSources } from './sync/event-sources.ts';
import { SyncService } from './sync/sync-service.ts';
import { inThreadReason, workerSyncRunner, type SyncHold } from './sync/sync-runner.ts';

export interface ServiceOptions {
  config: LoadedConfig;
  env: Env;
  logger: Logger;
  cwd: string;
  clock?: Clock;
  /** Listen port (default PORT, then server.port); 0 picks a free one. */
  port?: number | undefined;
  /** Address to bind (default HOST, then server.host, which defaults to 127.0.0.1). */
  host?: string | undefined;
  /** Start the cron schedules (default true). */
  scheduler?: boolean;
  /** Gather webhook bursts this long (default 2 s). */
  webhookDebounceMs?: number;
  /** Adapter to use instead of the registry's (tests). */
  crm?: CrmAdapter;
  /** The secrets the config names by variable (notifications, SSO); default: none. */
  secrets?: Secrets;
  /** How often the notification dispatcher looks for due deliveries (default 10 s; it also runs after each sync). */
  dispatchIntervalMs?: number;
  /** Test hook: the next sync's worker thread blocks at a step until released (sync-runner.ts). */
  syncHold?: SyncHold | undefined;
}

export interface Service {
  server: Server;
  url: string;
  /** What the server is bound to: address and port. */
  bound: { host: string; port: number };
  store: Store;
  crm: CrmAdapter;
  syncs: SyncService;
  metrics: Metrics;
  /** Sends the notification outbox; null without a `notifications:` block. */
  dispatcher: Dispatcher | null;
  stop: () => Promise<void>;
}

/** Caches a probe's answer for a while: /readyz must not call the CRM on every health check. */
function cachedProbe(probe: () => Promise<boolean>, ttlMs: number, clock: Clock): () => Promise<boolean> {
  let last: { at: number; ok: boolean } | null = null;
  return async () => {
    if (last !== null && clock.now() - last.at < ttlMs) return last.ok;
    const ok = await probe().catch(() => false);
    last = { at: clock.now(), ok };
    return ok;
  };
}

export async function startService(o: ServiceOptions): Promise<Service> {
  const clock = o.clock ?? systemClock;
  const { config, env, logger } = o;
  // a malformed token list is refused before anything is opened
  const tokens = parseTokens(env.PARTNERSYNC_TOKENS);
  const { provider, settings } = activeCrm(config);
  const storeUrl = resolveStoreUrl(config.config.store.url, env.DATABASE_URL);
  const store = await openStore(storeUrl, { cwd: o.cwd });
  const providerContext: ProviderContext = {
    ...settings,
    env: env.raw,
    logger,
    dataDir: dataDirOf(storeUrl, o.cwd),
    credentials: storeCredentials(store, clock),
  };
  let crm: CrmAdapter;
  try {
    crm = o.crm ?? (await provider.createAdapter(providerContext));
  } catch (err) {
    await store.close();
    throw err;
  }
  const metrics = new Metrics();
  const secrets = o.secrets ?? Secrets.none();
  let dispatcher: Dispatcher | null;
  try {
    dispatcher = createDispatcher({ config, secrets, store, crm, clock, logger, account: () => crm.accountKey() });
    await recordConfigIfChanged({ store, clock, logger }, config);
  } catch (err) {
    await crm.close();
    await store.close();
    throw err;
  }
  // every sync runs in a worker thread of its own, unless its deps cannot be rebuilt there (issue 21)
  const inThread = inThreadReason({
    config,
    storeUrl,
    cwd: o.cwd,
    adapterGiven: o.crm !== undefined,
    clockGiven: o.clock !== undefined && o.clock !== systemClock,
  });
  const workers =
    inThread === null
      ? workerSyncRunner({
          config,
          env: env.raw,
          storeUrl,
          cwd: o.cwd,
          dataDir: providerContext.dataDir,
          logger,
          store,
          hold: o.syncHold,
        })
      : null;
  const syncs = new SyncService(
    { crm, store, clock, logger, config },
    {
      runner: workers?.run,
      debounceMs: o.webhookDebounceMs ?? 2_000,
      onFinished: (r) => {
        dispatcher?.kick(); // what the run queued goes out now, not at the next tick
        const x = r.report;
        metrics.recordRun(
          {
            status: r.status,
            durationSeconds: (x.durationsMs['total'] ?? 0) / 1000,
            crmCalls: x.apiCalls,
            rateLimited: Object.values(x.apiCalls).reduce((n, c) => n + (c.statuses['429'] ?? 0), 0),
            rejected: x.snapshot.rejected.length,
            ledgerEntries: x.ledger.posted.accrual + x.ledger.posted.adjustment + x.ledger.posted.clawback,
            writes: { partners: x.writeBack.partners, deals: x.writeBack.deals, failed: x.writeBack.failures.length },
          },
          clock.now() / 1000,
        );
      },
    },
  );
  let account: string | null = null;
  const accountKey = async (): Promise<string> => (account ??= await crm.accountKey());
  const storeOk = cachedProbe(async () => (await store.migrations()).length > 0, 5_000, clock);
  const crmOk = cachedProbe(async () => (await accountKey()).length > 0, 60_000, clock);
  if (tokens.length === 0)
    logger.warn('PARTNERSYNC_TOKENS is empty: every API route but /healthz and /readyz answers 401');

  // partner users' sign-in links (issue 19), through registrations.emailChannel
  const mailer = createPortalMailer(config, secrets);
  const app = createApp({
    config,
    store,
    clock,
    logger,
    metrics,
    tokens,
    syncs,
    account: accountKey,
    readiness: async (): Promise<Readiness> => ({ store: await storeOk(), crm: await crmOk() }),
    receivers: provider.receivers(providerContext),
    sso: ssoOf(config, secrets),
    crm,
    mailer,
    payeeKey: payeeKeyOf(config, secrets),
    ...(env.PARTNERSYNC_SESSION_SECRET === undefined ? {} : { sessionSecret: env.PARTNERSYNC_SESSION_SECRET }),
  });
  const server = createServer(app);
  const port = o.port ?? env.PORT ?? config.config.server.port;
  const host = o.host ?? env.HOST ?? config.config.server.host;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (err) {
    // nothing may keep running (an in-process sandbox above all): the process must end
    await crm.close();
    await store.close();
    throw new ListenError(port, host, err);
  }
  const address = server.address() as AddressInfo;
  const bound = { host: address.address, port: address.port };
  // every interface is reachable on loopback; a named address is shown as it is
  const shownHost = ['0.0.0.0', '::'].includes(bound.host)
    ? '127.0.0.1'
    : bound.host.includes(':')
      ? `[${bound.host}]`
      : bound.host;
  const url = `http://${shownHost}:${bound.port}`;
  const scheduler =
    o.scheduler === false
      ? null
      : startScheduler(
          syncs,
          {
            schedule: config.config.sync.schedule,
            fullRefresh: config.config.sync.fullRefresh,
            timezone: config.program.timezone,
          },
          logger,
        );
  let sources: RunningSources | null = null;
  const eventSources = provider.eventSources(providerContext, crm);
  if (eventSources.length > 0) {
    try {
      sources = await startEventSources(eventSources, {
        store,
        clock,
        logger,
        syncs,
        account: accountKey,
        onEvent: (source, outcome) => {
          metrics.webhookEvents.inc({ source, outcome });
        },
      });
    } catch (err) {
      // without its event source the service would silently miss changes: refuse to start
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await scheduler?.stop();
      await crm.close();
      await store.close();
      throw err;
    }
  }
  dispatcher?.start(o.dispatchIntervalMs ?? 10_000);
  workers?.warm();
  // the last-successful-sync gauge starts from the store, not empty (in the background: the
  // account key may need the CRM, and start-up must not wait for it)
  const gaugeReady = accountKey()
    .then(async (a) => {
      const last = (await store.listRuns(a, 1, { status: 'succeeded' }))[0];
      if (last?.finishedAt != null) metrics.initLastSuccess(last.finishedAt / 1000);
    })
    .catch((err: unknown) => {
      logger.warn({ err }, 'metrics: the last successful sync could not be read at start-up');
    });
  logger.info(
    {
      url,
      store: store.kind,
      crm: crm.provider,
      syncs: inThread === null ? 'worker thread' : `in thread: ${inThread}`,
    },
    'partnersync listening',
  );

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new requests or syncs; the current sync stops at its next checkpoint');
      await scheduler?.stop();
      await sources?.stop();
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeIdleConnections();
      await gaugeReady;
      await syncs.stop(30_000);
      await workers?.close();
      await dispatcher?.stop();
      await mailer?.close();
      await closed;
      await crm.close();
      await store.close();
      logger.info('stopped');
    })());
  return { server, url, bound, store, crm, syncs, metrics, dispatcher, stop };
}

/** The server could not listen: the port is taken, not allowed, or the address is not this host's. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code: string | undefined;
  constructor(port: number, host: string, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    const c = typeof code === 'string' ? code : undefined;
    const why =
      c === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use (another partnersync or program): stop it, or pick another port with --port, PORT or server.port`
        : c === 'EACCES'
          ? `port ${port} on ${host} needs privileges this user lacks: use a port above 1023`
          : c === 'EADDRNOTAVAIL' || c === 'ENOTFOUND'
            ? `${host} is not an address of this machine: fix --host, HOST or server.host (127.0.0.1, or 0.0.0.0 for every interface)`
            : `cannot listen on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(why, { cause });
    this.code = c;
  }
}

/** The key sealing payee details (finance.payees.keyEnv), when configured. */
function payeeKeyOf(config: LoadedConfig, secrets: Secrets): Buffer | undefined {
  const name = config.config.finance?.payees?.keyEnv;
  return name === undefined ? undefined : parsePayeeKey(name, secrets.get(name));
}

function ssoOf(config: LoadedConfig, secrets: Secrets): OidcSignIn | undefined {
  const sso = config.config.auth.sso;
  if (sso === undefined) return undefined;
  return new OidcSignIn(sso, sso.clientSecretEnv === undefined ? undefined : secrets.get(sso.clientSecretEnv));
}
