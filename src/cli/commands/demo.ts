// `partnersync demo`: the local sandbox CRM, provisioned and synced, and a report (src/sync/demo.ts).

import type { Command } from 'commander';
import { CliError, EXIT_RUN_FAILED, type CliContext } from '../context.ts';
import { readEnv } from '../../config/env.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';
import { createLogger } from '../../log.ts';
import { dataDirOf, resolveStoreUrl } from '../../store/open-store.ts';
import { withCrm } from './sync.ts';
import { systemClock } from '../../sync/deps.ts';
import { runDemo } from '../../sync/demo.ts';

export const DEMO_CONFIG = 'config/examples/demo.yaml';

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('Run partnersync on a local sandbox CRM: provision, sync, and report (no credentials needed)')
    .option('--config <file>', 'config file', DEMO_CONFIG)
    .action(async (opts: { config: string }) => {
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd));
      const provider = loaded.config.crm?.provider;
      if (provider !== 'sandbox-hubspot' && provider !== 'sandbox-salesforce') {
        throw new CliError(2, [
          `${loaded.file}: crm.provider is ${provider ?? 'missing'}; the demo runs on sandbox-hubspot or sandbox-salesforce (see ${DEMO_CONFIG})`,
        ]);
      }
      const env = readEnv(ctx.env);
      const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn', pretty: ctx.io.isTty });
      const dataDir = dataDirOf(resolveStoreUrl(loaded.config.store.url, env.DATABASE_URL), ctx.cwd);
      ctx.io.stdout(`starting the ${provider} sandbox (state in ${dataDir}) …\n`);
      await withCrm(ctx, loaded, env, logger, async (crm, store) => {
        const report = await runDemo(
          { crm, store, clock: systemClock, logger, config: loaded },
          { dataDir, configFile: loaded.file },
        );
        if (report.sync.status !== 'succeeded')
          throw new CliError(EXIT_RUN_FAILED, [
            `the demo sync ${report.sync.status}: ${report.sync.report.error ?? 'see the log'}`,
          ]);
        for (const line of report.lines) ctx.io.stdout(`${line}\n`);
      });
    });
}
