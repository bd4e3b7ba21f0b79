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
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
      const provider = loaded.config.crm?.provider;
      if (provider === undefined || loaded.providers.get(provider)?.inProcessSandbox !== true) {
        const sandboxes = loaded.providers.all().filter((p) => p.inProcessSandbox);
        throw new CliError(2, [
          `${loaded.file}: crm.provider is ${provider ?? 'missing'}; the demo runs on an in-process sandbox (${sandboxes.map((p) => p.name).join(' or ')}; see ${DEMO_CONFIG})`,
        ]);
      }
      const env = readEnv(ctx.env, ctx.providers);
      const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn', pretty: ctx.io.isTty, secrets: env.secrets });
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
