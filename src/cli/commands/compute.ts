// `partnersync compute`: offline computation from a snapshot file (docs/finance-rules.md §9).

import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, type CliContext } from '../context.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';
import {
  ComputeInputError,
  computeRun,
  parseSnapshotText,
  resolveAsOf,
  resolvePeriod,
  writeCommissionsCsv,
  writeResultJson,
} from '../../sync/compute-snapshot.ts';

/** Rejected deals listed on stderr; result.json lists them all. */
const MAX_LISTED = 20;

interface ComputeOptions {
  config?: string;
  snapshot: string;
  asOf?: string;
  period?: string;
  out: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(EXIT_BAD_INPUT, [
      `${what} ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
}

/** Writes a file through a temporary name, so a reader never sees half a file. */
function writeStreamed(file: string, produce: (write: (chunk: string) => void) => void): void {
  const temp = `${file}.partial`;
  const fd = openSync(temp, 'w');
  let buffer = '';
  const flush = (): void => {
    writeSync(fd, buffer);
    buffer = '';
  };
  try {
    produce((chunk) => {
      buffer += chunk;
      if (buffer.length > 1 << 20) flush();
    });
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export function registerCompute(program: Command, ctx: CliContext): void {
  program
    .command('compute')
    .description('Compute attribution, commissions, KPIs, health and alerts from a snapshot file (offline)')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .requiredOption('--snapshot <file>', 'snapshot JSON (docs/finance-rules.md §1.2)')
    .option('--as-of <iso>', 'instant to compute as of (default: now, to the second)')
    .option('--period <P>', 'KPI window: YYYY-MM, YYYY-Qn or YYYY (default: the month of --as-of)')
    .option('--out <dir>', 'directory for result.json and commissions.csv', 'out')
    .action((opts: ComputeOptions) => {
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
      const snapshotFile = path.resolve(ctx.cwd, opts.snapshot);
      let run;
      try {
        const snapshot = parseSnapshotText(readText(snapshotFile, 'snapshot'), snapshotFile);
        const asOf = resolveAsOf(opts.asOf, loaded.program.timezone, Date.now());
        run = computeRun(loaded.program, snapshot, asOf, resolvePeriod(opts.period));
      } catch (err) {
        if (err instanceof ComputeInputError) throw new CliError(EXIT_BAD_INPUT, [err.message]);
        throw err;
      }
      const outDir = path.resolve(ctx.cwd, opts.out);
      mkdirSync(outDir, { recursive: true });
      const { result, details } = run;
      writeStreamed(path.join(outDir, 'result.json'), (write) => {
        writeResultJson(result, details, write);
      });
      writeStreamed(path.join(outDir, 'commissions.csv'), (write) => {
        writeCommissionsCsv(details, write);
      });
      for (const w of run.warnings) ctx.io.stderr(`warning: ${w}\n`);
      const rejected = result.rejected;
      for (const r of rejected.slice(0, MAX_LISTED)) ctx.io.stderr(`rejected deal ${r.dealId}: ${r.reason}\n`);
      if (rejected.length > MAX_LISTED)
        ctx.io.stderr(`… and ${rejected.length - MAX_LISTED} more rejected deals (all are listed in result.json)\n`);
      for (const line of run.summary) ctx.io.stdout(`${line}\n`);
      ctx.io.stdout(`wrote ${path.join(outDir, 'result.json')} and ${path.join(outDir, 'commissions.csv')}\n`);
    });
}
