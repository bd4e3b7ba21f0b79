// `partnersync config validate [--config F]`: every problem on its own line, exit 2.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function registerConfig(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('Work with the config file');
  config
    .command('validate')
    .description('Check the config file and print every problem with its path and the fix')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .action((opts: { config?: string }) => {
      const file = resolveConfigPath(opts.config, ctx.env, ctx.cwd);
      const loaded = loadConfigFile(file);
      const p = loaded.programConfig;
      ctx.io.stdout(
        `${file}: ok — ${count(Object.keys(p.recipes).length, 'recipe')}, ${count(Object.keys(p.plans).length, 'plan')}, currency ${p.currency}, time zone ${p.timezone}, attribution ${p.attribution.model}${loaded.config.crm ? `, CRM ${loaded.config.crm.provider}` : ''}\n`,
      );
    });
}
