// `partnersync statements --period P [--format csv|json] [--partner ID]`: per-partner statements
// with explanations and totals (src/sync/exports.ts).

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { statements, statementsCsv, statementTotalsCsv, toJsonText } from '../../ledger/exports.ts';
import { getPartner } from '../../sync/queries.ts';
import { CliError, EXIT_BAD_INPUT } from '../context.ts';
import { emit, parseFormat } from './export.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { silentLogger } from '../../log.ts';
import { withLedger, type StoreCommandOptions } from './sync.ts';

interface StatementOptions extends StoreCommandOptions {
  period: string;
  format: string;
  partner?: string;
  out?: string;
  totalsOut?: string;
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
    .option('--totals-out <file>', 'also write the totals (per partner and for the period) as CSV to this file')
    .option('--account <key>', 'CRM account (when the store holds several)')
    .action(async (opts: StatementOptions) => {
      const format = parseFormat(opts.format);
      await withLedger(ctx, opts, async ({ deps }, account) => {
        const s = await statements(deps, account, opts.period, opts.partner);
        if (opts.partner !== undefined && s.partners.length === 0) {
          const known = (await getPartner(deps, account, opts.partner)) !== null;
          throw new CliError(EXIT_BAD_INPUT, [
            known
              ? `--partner ${opts.partner}: this partner has no ledger entries in ${s.period}; pick another --period (partnersync periods list)`
              : `--partner ${opts.partner}: no partner with id "${opts.partner}" in the synced data; use a partner id from GET /v1/partners or the dashboard's Partners page`,
          ]);
        }
        await recordAudit({ ...deps, logger: silentLogger() }, 'statement.download', 'cli', opts.partner ?? null, {
          period: opts.period,
          via: 'cli',
        });
        // the CSV holds detail lines only (a SUM over amount is the net); totals go to their own file
        emit(ctx, format === 'csv' ? statementsCsv(s) : toJsonText(s), opts.out);
        if (opts.totalsOut !== undefined) emit(ctx, statementTotalsCsv(s), opts.totalsOut);
      });
    });
}
