// `partnersync periods list | close P`: ledger periods (src/sync/periods.ts).

import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, EXIT_RUN_FAILED, type CliContext } from '../context.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { silentLogger } from '../../log.ts';
import { periodClosedNotification } from '../../notify/sync-hook.ts';
import { closePeriod, listPeriods, type PeriodInfo } from '../../ledger/periods.ts';
import { parseLedgerPeriod } from '../../ledger/exports.ts';
import { withLedger, type StoreCommandOptions } from './sync.ts';

interface PeriodOptions extends StoreCommandOptions {
  json?: boolean;
  by?: string;
  yes?: boolean;
}

export function registerPeriods(program: Command, ctx: CliContext): void {
  const periods = program
    .command('periods')
    .description('Ledger periods: list them, close one (and every earlier one)');
  const common = (cmd: Command): Command =>
    cmd
      .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
      .option('--account <key>', 'CRM account (when the store holds several)');
  common(periods.command('list').description('Months with entries, open or closed, with their net'))
    .option('--json', 'JSON instead of a table')
    .action(async (opts: PeriodOptions) => {
      await withLedger(ctx, opts, async ({ deps }, account) => {
        const list = await listPeriods(deps, account);
        if (opts.json === true) {
          ctx.io.stdout(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) ctx.io.stdout('no ledger entries yet\n');
        for (const p of list)
          ctx.io.stdout(
            `${p.period}  ${p.state.padEnd(6)}  ${String(p.entries).padStart(6)} entries  net ${p.net}${p.closedAt === null ? '' : `  closed ${p.closedAt} by ${p.closedBy ?? '?'}`}\n`,
          );
      });
    });
  common(
    periods
      .command('close')
      .argument('<period>', 'YYYY-MM')
      .description('Close the month and every earlier one; closed months never change'),
  )
    .option('--by <name>', 'who closes it (recorded)', 'cli')
    .option('--yes', 'close without asking (scripts; without a terminal it is required)')
    .action(async (period: string, opts: PeriodOptions) => {
      await withLedger(ctx, opts, async ({ deps }, account) => {
        const by = opts.by ?? 'cli';
        if (opts.yes !== true) {
          const toClose = (await listPeriods(deps, account)).filter(
            (p) => p.state === 'open' && p.period <= parseLedgerPeriod(period),
          );
          if (toClose.length > 0) await confirmClose(ctx, period, toClose);
        }
        const r = await closePeriod(deps, account, period, by);
        if (!r.alreadyClosed) {
          await recordAudit({ ...deps, logger: silentLogger() }, 'period.close', by, period, { via: 'cli' });
          // queued here; the next `sync` or the running service sends it
          await periodClosedNotification(deps.store, deps.config, account, {
            period,
            closedAt: deps.clock.now(),
            closedBy: by,
          });
        }
        ctx.io.stdout(
          r.alreadyClosed
            ? `${period} was already closed (closed ${r.closedAt})\n`
            : `closed ${period} and every earlier month at ${r.closedAt}\n`,
        );
      });
    });
  for (const sub of [periods, ...periods.commands])
    sub.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
}

/** Closing is for good and takes every earlier open month with it: ask first, or require --yes. */
async function confirmClose(ctx: CliContext, period: string, toClose: readonly PeriodInfo[]): Promise<void> {
  const months =
    toClose.length === 1
      ? (toClose[0]?.period ?? period)
      : `${toClose.length} open months (${toClose[0]?.period} to ${toClose.at(-1)?.period})`;
  if (ctx.io.confirm === undefined)
    throw new CliError(EXIT_BAD_INPUT, [
      `periods close ${period} would close ${months} for good; no terminal to confirm on: add --yes to close without asking`,
    ]);
  const ok = await ctx.io.confirm(
    `Close ${months} for good? Closed months never change; later differences are booked in the next open month.`,
  );
  if (!ok) throw new CliError(EXIT_RUN_FAILED, [`not closed: ${period} stays open (nothing changed)`]);
}
