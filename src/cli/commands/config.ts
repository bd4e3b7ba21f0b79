// `partnersync config validate [--config F]`: every problem on its own line, exit 2. It runs every
// check a sync runs before calling the CRM: the schema, cross-references, the provider's own
// checks of its settings and mappings, and whether the environment holds its credentials.

import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, type CliContext } from '../context.ts';
import { readEnv } from '../../config/env.ts';
import { ConfigError, type ConfigIssue } from '../../config/errors.ts';
import { Secrets } from '../../config/secrets.ts';
import { activeCrm, loadConfigFile, resolveConfigPath } from '../../config/load.ts';

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function registerConfig(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('Work with the config file');
  config
    .command('validate')
    .description('Check the config file and print every problem with its path and the fix')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .option('--skip-env', "check the file only, not whether the environment holds the CRM's credentials")
    .action((opts: { config?: string; skipEnv?: boolean }) => {
      const file = resolveConfigPath(opts.config, ctx.env, ctx.cwd);
      const loaded = loadConfigFile(file, ctx.providers);
      const env = readEnv(ctx.env, ctx.providers);
      const secretIssues: ConfigIssue[] = [];
      if (opts.skipEnv !== true) {
        try {
          Secrets.fromEnv(loaded.config, ctx.env);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          secretIssues.push(...err.issues);
        }
      }
      if (secretIssues.length > 0 && loaded.config.crm === undefined)
        throw new CliError(EXIT_BAD_INPUT, new ConfigError('environment', secretIssues).lines());
      if (loaded.config.crm !== undefined) {
        const { provider, settings } = activeCrm(loaded);
        const errors = [
          new ConfigError(file, provider.checkConfig(settings)),
          new ConfigError(
            'environment',
            opts.skipEnv === true ? [] : [...provider.checkEnv(env.raw, settings), ...secretIssues],
          ),
        ].filter((e) => e.issues.length > 0);
        if (errors.length > 0)
          throw new CliError(
            EXIT_BAD_INPUT,
            errors.flatMap((e) => e.lines()),
          );
      }
      const p = loaded.programConfig;
      ctx.io.stdout(
        `${file}: ok — ${count(Object.keys(p.recipes).length, 'recipe')}, ${count(Object.keys(p.plans).length, 'plan')}, currency ${p.currency}, time zone ${p.timezone}, attribution ${p.attribution.model}${loaded.config.crm ? `, CRM ${loaded.config.crm.provider}` : ''}\n`,
      );
    });
}
