// `partnersync export commissions --period P --format csv|json [--out F]`: the ledger entries
// booked in a month, for finance (src/sync/exports.ts).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, type CliContext } from '../context.ts';
import { commissionExport, commissionExportCsv, toJsonText } from '../../ledger/exports.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { silentLogger } from '../../log.ts';
import { withLedger, type StoreCommandOptions } from './sync.ts';

interface ExportOptions extends StoreCommandOptions {
  period: string;
  format: string;
  out?: string;
}

export function parseFormat(text: string): 'csv' | 'json' {
  if (text !== 'csv' && text !== 'json') throw new CliError(EXIT_BAD_INPUT, [`--format: "${text}" is not csv or json`]);
  return text;
}

/** Writes to --out (then says where) or to stdout. */
export function emit(ctx: CliContext, text: string, out: string | undefined): void {
  if (out === undefined) {
    ctx.io.stdout(text);
    return;
  }
  const file = path.resolve(ctx.cwd, out);
  writeFileSync(file, text);
  ctx.io.stderr(`wrote ${file}\n`);
}

export function registerExport(program: Command, ctx: CliContext): void {
  const exportCmd = program.command('export').description('Finance exports from the commission ledger');
  exportCmd
    .command('commissions')
    .description('Ledger entries booked in a period (month), with inputs, reasons and payable/held status')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .requiredOption('--period <YYYY-MM>', 'the month to export')
    .option('--format <csv|json>', 'output format', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--account <key>', 'CRM account (when the store holds several)')
    .action(async (opts: ExportOptions) => {
      const format = parseFormat(opts.format);
      await withLedger(ctx, opts, async ({ deps }, account) => {
        const x = await commissionExport(deps, account, opts.period);
        await recordAudit({ ...deps, logger: silentLogger() }, 'export.download', 'cli', opts.period, {
          format,
          via: 'cli',
        });
        emit(ctx, format === 'csv' ? commissionExportCsv(x) : toJsonText(x), opts.out);
      });
    });
  exportCmd.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
  for (const sub of exportCmd.commands)
    sub.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
}
