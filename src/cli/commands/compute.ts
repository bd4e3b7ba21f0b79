// `partnersync compute`: offline computation from a snapshot file (rules.md 9).

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerCompute(program: Command, ctx: CliContext): void {
  program
    .command('compute')
    .description('Compute attribution, commissions, KPIs, health and alerts from a snapshot file')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .requiredOption('--snapshot <file>', 'snapshot JSON (rules.md 1.2)')
    .option('--as-of <iso>', 'instant to compute as of (default: now, to the second)')
    .option('--period <P>', 'KPI window: YYYY-MM, YYYY-Qn or YYYY (default: the month of --as-of)')
    .option('--out <dir>', 'output directory for result.json and commissions.csv', 'out')
    .action(() => {
      ctx.io.stderr('compute: engine not wired yet\n');
    });
}
