// `partnersync sync [--full]`: one sync run (src/sync/run-sync.ts) and a summary. Also the wiring
// the finance commands share: config, store (DATABASE_URL wins over store.url), adapter, logger.

import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, EXIT_RUN_FAILED, type CliContext } from '../context.ts';
import { readEnv, type Env } from '../../config/env.ts';
import { loadConfigFile, resolveConfigPath, type LoadedConfig } from '../../config/load.ts';
import { Secrets } from '../../config/secrets.ts';
import { createDispatcher } from '../../notify/create-dispatcher.ts';
import type { CrmAdapter } from '../../crm/port.ts';
import { createCrmAdapter } from '../../sync/crm-adapter.ts';
import { storeCredentials } from '../../sync/credentials.ts';
import { createLogger, type Logger } from '../../log.ts';
import { LockBusyError } from '../../store/account-lock.ts';
import { AccountLostError } from '../../ledger/errors.ts';
import { openStore, resolveStoreUrl, dataDirOf } from '../../store/open-store.ts';
import type { KyselyStore } from '../../store/kysely-store.ts';
import { LedgerInputError, resolveAccount } from '../../sync/accounts.ts';
import { systemClock, type StoreDeps, type SyncProgress } from '../../sync/deps.ts';
import { runSync, type SyncResult } from '../../sync/run-sync.ts';
import { dryRunLines, dryRunSync } from '../../sync/dry-run.ts';

export interface StoreCommandOptions {
  config?: string;
  account?: string;
}

export interface OpenedLedger {
  deps: StoreDeps;
  store: KyselyStore;
  env: Env;
  loaded: LoadedConfig;
}

/** Config + store for the finance commands (no CRM needed). */
export async function openLedger(ctx: CliContext, opts: StoreCommandOptions): Promise<OpenedLedger> {
  const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
  const env = readEnv(ctx.env, ctx.providers);
  const store = await openStore(resolveStoreUrl(loaded.config.store.url, env.DATABASE_URL), { cwd: ctx.cwd });
  return { deps: { store, clock: systemClock, config: loaded }, store, env, loaded };
}

/** Runs `fn` with the store open and the account resolved; finance input errors exit with 2. */
export async function withLedger<T>(
  ctx: CliContext,
  opts: StoreCommandOptions,
  fn: (l: OpenedLedger, account: string) => Promise<T>,
): Promise<T> {
  const opened = await openLedger(ctx, opts);
  try {
    return await fn(opened, await resolveAccount(opened.store, opts.account));
  } catch (err) {
    if (err instanceof LedgerInputError) throw new CliError(EXIT_BAD_INPUT, [err.message]);
    if (err instanceof LockBusyError || err instanceof AccountLostError)
      throw new CliError(EXIT_RUN_FAILED, [err.message]);
    throw err;
  } finally {
    await opened.store.close();
  }
}

/**
 * Runs `fn` with the store and the CRM adapter open (local files beside the store, rotated
 * credentials kept in it), and closes both whatever happens.
 */
export async function withCrm<T>(
  ctx: CliContext,
  loaded: LoadedConfig,
  env: Env,
  logger: Logger,
  fn: (crm: CrmAdapter, store: KyselyStore) => Promise<T>,
): Promise<T> {
  const storeUrl = resolveStoreUrl(loaded.config.store.url, env.DATABASE_URL);
  const store = await openStore(storeUrl, { cwd: ctx.cwd });
  try {
    const crm = await createCrmAdapter(loaded, {
      env,
      logger,
      dataDir: dataDirOf(storeUrl, ctx.cwd),
      credentials: storeCredentials(store, systemClock),
    });
    try {
      return await fn(crm, store);
    } finally {
      await crm.close();
    }
  } finally {
    await store.close();
  }
}

export function commandLogger(ctx: CliContext, env: Env, configSecrets: readonly string[] = []): Logger {
  // on a terminal the progress line is the output; logs stay at warnings
  return createLogger({
    level: env.LOG_LEVEL ?? (ctx.io.isTty ? 'warn' : 'info'),
    pretty: ctx.io.isTty,
    secrets: [...env.secrets, ...configSecrets],
  });
}

interface SyncCommandOptions {
  config?: string;
  full?: boolean;
  refreshLinks?: boolean;
  wait?: string;
  allRejected?: boolean;
  dryRun?: boolean;
}

/** Rejected deals the summary lists unless asked for all (`--all-rejected`). */
export const REJECTED_SHOWN = 10;

export function summaryLines(r: SyncResult, options: { allRejected?: boolean } = {}): string[] {
  const x = r.report;
  const calls = Object.values(x.apiCalls).reduce((s, c) => s + c.count, 0);
  const lines = [
    `sync ${r.status} (run ${r.runId}, account ${r.account}, ${x.mode}, as of ${new Date(r.asOf).toISOString()})`,
    `pulled ${x.pull.partners} partners and ${x.pull.deals} deals in ${x.pull.pages} pages (${x.pull.removedPartners + x.pull.removedDeals} removed); snapshot ${x.snapshot.partners} partners, ${x.snapshot.deals} deals, ${x.snapshot.rejected.length} rejected`,
    `ledger: ${x.ledger.posted.accrual} accruals, ${x.ledger.posted.adjustment} adjustments, ${x.ledger.posted.clawback} clawbacks posted (net ${x.ledger.net})${x.ledger.clawbacksNotPosted > 0 ? `; ${x.ledger.clawbacksNotPosted} clawbacks past their window not posted` : ''}`,
    `alerts: ${x.alerts.open} open (${x.alerts.opened} new, ${x.alerts.resolved} resolved); tasks created ${x.tasks.created}${x.tasks.failed.length > 0 ? `, ${x.tasks.failed.length} failed` : ''}`,
    `write-back: ${x.writeBack.partners} partners, ${x.writeBack.deals} deals${x.writeBack.failures.length > 0 ? `, ${x.writeBack.failures.length} failed` : ''}; ${calls} API calls; ${x.durationsMs['total'] ?? 0} ms`,
  ];
  for (const f of x.writeBack.failures.slice(0, 10)) lines.push(`write failed: ${f.object} ${f.id}: ${f.reason}`);
  const rejected = x.snapshot.rejected;
  const shown = options.allRejected === true ? rejected : rejected.slice(0, REJECTED_SHOWN);
  for (const rj of shown) lines.push(`rejected deal ${rj.dealId}: ${rj.reason}: ${rj.detail}`);
  if (shown.length < rejected.length)
    lines.push(
      `… and ${rejected.length - shown.length} more rejected deals: see them all with --all-rejected, or on the dashboard's Rejected deals page (/ui/rejected, with CRM links)`,
    );
  if (x.error !== undefined) lines.push(`${r.status === 'stopped' ? 'stopped' : 'error'}: ${x.error}`);
  return lines;
}

function progressPrinter(ctx: CliContext): ((p: SyncProgress) => void) | undefined {
  if (!ctx.io.isTty) return undefined;
  return (p) => {
    const detail = p.step === 'pull' ? ` ${p.pages ?? 0} pages, ${p.records ?? 0} records` : '';
    ctx.io.stderr(`\r\x1b[2K${p.step}${detail}${p.step === 'done' ? '\n' : ''}`);
  };
}

export function registerSync(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description('Pull the CRM, post ledger differences, write results back (one run)')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .option('--full', 'read everything and drop cached records the CRM no longer has')
    .option('--refresh-links', 're-read links that do not change modified dates')
    .option('--wait <seconds>', 'wait this long for another sync of the same account (default store.lockWaitSeconds)')
    .option('--dry-run', 'preview: read and compute, print what would be posted, written and created; change nothing')
    .option('--all-rejected', `list every rejected deal (default: the first ${REJECTED_SHOWN})`)
    .action(async (opts: SyncCommandOptions) => {
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
      const env = readEnv(ctx.env, ctx.providers);
      const secrets = Secrets.fromEnv(loaded.config, ctx.env);
      const wait = opts.wait === undefined ? undefined : Number(opts.wait);
      if (wait !== undefined && (!Number.isInteger(wait) || wait < 0))
        throw new CliError(EXIT_BAD_INPUT, [`--wait: "${opts.wait ?? ''}" is not a whole number of seconds`]);
      const logger = commandLogger(ctx, env, secrets.values());
      try {
        await withCrm(ctx, loaded, env, logger, async (crm, store) => {
          if (opts.dryRun === true) {
            const preview = await dryRunSync(
              { crm, store, clock: systemClock, logger, config: loaded },
              { full: opts.full === true, ...(wait === undefined ? {} : { lockWaitMs: wait * 1000 }) },
            );
            for (const line of dryRunLines(preview)) ctx.io.stdout(`${line}\n`);
            return;
          }
          const result = await runSync(
            { crm, store, clock: systemClock, logger, config: loaded, onProgress: progressPrinter(ctx) },
            {
              full: opts.full === true,
              refreshLinks: opts.refreshLinks === true,
              lockWaitMs: wait === undefined ? undefined : wait * 1000,
            },
          );
          const lines = summaryLines(result, { allRejected: opts.allRejected === true });
          // what the run queued (and anything still due) goes out before the command ends
          const dispatcher = createDispatcher({
            ...{ config: loaded, secrets, store, crm, clock: systemClock, logger },
            account: () => Promise.resolve(result.account),
          });
          if (dispatcher !== null) {
            const sent = await dispatcher.dispatchOnce();
            await dispatcher.stop();
            lines.push(
              `notifications: ${sent.messages} sent${sent.retried > 0 ? `, ${sent.retried} to retry` : ''}${sent.failed > 0 ? `, ${sent.failed} failed` : ''}`,
            );
          }
          if (result.status === 'failed') throw new CliError(EXIT_RUN_FAILED, lines);
          for (const line of lines) ctx.io.stdout(`${line}\n`);
        });
      } catch (err) {
        if (err instanceof LockBusyError) throw new CliError(EXIT_RUN_FAILED, [err.message]);
        throw err;
      }
    });
}
