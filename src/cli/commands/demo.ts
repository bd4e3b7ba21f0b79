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
/** The demo config per emulated CRM (`demo --crm`): the same program, another sandbox and store. */
export const DEMO_CONFIGS: Readonly<Record<string, string>> = {
  hubspot: DEMO_CONFIG,
  salesforce: 'config/examples/demo-salesforce.yaml',
};

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('Run partnersync on a local sandbox CRM: provision, sync, and report (no credentials needed)')
    .option('--config <file>', `config file (default ${DEMO_CONFIG}, or the --crm one)`)
    .option('--crm <crm>', `the CRM to emulate: ${Object.keys(DEMO_CONFIGS).join(' or ')} (picks its demo config)`)
    .action(async (opts: { config?: string; crm?: string }) => {
      if (opts.crm !== undefined && DEMO_CONFIGS[opts.crm] === undefined)
        throw new CliError(2, [`--crm: "${opts.crm}" is not ${Object.keys(DEMO_CONFIGS).join(' or ')}`]);
      if (opts.crm !== undefined && opts.config !== undefined)
        throw new CliError(2, ['--crm picks a demo config; give either --crm or --config']);
      const configFile = opts.config ?? DEMO_CONFIGS[opts.crm ?? 'hubspot'] ?? DEMO_CONFIG;
      const loaded = loadConfigFile(resolveConfigPath(configFile, ctx.env, ctx.cwd), ctx.providers);
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
