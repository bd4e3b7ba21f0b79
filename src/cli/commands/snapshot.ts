// `partnersync snapshot --out F`: the canonical snapshot (docs/finance-rules.md §1.2) that `compute` reads.
// Default: pulled from the CRM now (the snapshot cache is not touched); --from-cache: the last sync's cache.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { readEnv } from '../../config/env.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';
import { snapshotFromCache, snapshotFromCrm } from '../../sync/snapshot-file.ts';
import { commandLogger, withCrm, withLedger } from './sync.ts';

interface SnapshotOptions {
  config?: string;
  out: string;
  fromCache?: boolean;
  account?: string;
}

export function registerSnapshot(program: Command, ctx: CliContext): void {
  program
    .command('snapshot')
    .description(
      'Write the canonical snapshot of the CRM (docs/finance-rules.md §1.2), readable by `partnersync compute`',
    )
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .requiredOption('--out <file>', 'snapshot JSON file to write')
    .option('--from-cache', "read the last sync's snapshot cache instead of the CRM")
    .option('--account <key>', 'CRM account for --from-cache (when the store holds several)')
    .action(async (opts: SnapshotOptions) => {
      const file = path.resolve(ctx.cwd, opts.out);
      let snapshot;
      if (opts.fromCache === true) {
        snapshot = await withLedger(ctx, opts, ({ store }, account) => snapshotFromCache(store, account));
      } else {
        const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
        const env = readEnv(ctx.env, ctx.providers);
        snapshot = await withCrm(ctx, loaded, env, commandLogger(ctx, env), (crm) =>
          snapshotFromCrm(
            crm,
            ctx.io.isTty
              ? (n) => {
                  ctx.io.stderr(`\r\x1b[2Kpulled ${n} records`);
                }
              : undefined,
          ),
        );
        if (ctx.io.isTty) ctx.io.stderr('\n');
      }
      writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
      ctx.io.stdout(`wrote ${file} (${snapshot.partners.length} partners, ${snapshot.deals.length} deals)\n`);
    });
}
