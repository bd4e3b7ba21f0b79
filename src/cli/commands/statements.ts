// `partnersync statements --period P [--format csv|json] [--partner ID]`: per-partner statements
// with explanations and totals (src/sync/exports.ts).

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { statements, statementsCsv, toJsonText } from '../../ledger/exports.ts';
import { emit, parseFormat } from './export.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { silentLogger } from '../../log.ts';
import { withLedger, type StoreCommandOptions } from './sync.ts';

interface StatementOptions extends StoreCommandOptions {
  period: string;
  format: string;
  partner?: string;
  out?: string;
}

export function registerStatements(program: Command, ctx: CliContext): void {
  program
    .command('statements')
    .description('Per-partner commission statements for a period (month): lines, explanations, totals')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .requiredOption('--period <YYYY-MM>', 'the month')
    .option('--format <csv|json>', 'output format', 'csv')
    .option('--partner <id>', 'one partner only')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--account <key>', 'CRM account (when the store holds several)')
    .action(async (opts: StatementOptions) => {
      const format = parseFormat(opts.format);
      await withLedger(ctx, opts, async ({ deps }, account) => {
        const s = await statements(deps, account, opts.period, opts.partner);
        await recordAudit({ ...deps, logger: silentLogger() }, 'statement.download', 'cli', opts.partner ?? null, {
          period: opts.period,
          via: 'cli',
        });
        emit(ctx, format === 'csv' ? statementsCsv(s) : toJsonText(s), opts.out);
      });
    });
}
