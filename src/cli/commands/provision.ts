// `partnersync provision [--dry-run] [--config F]`: creates or updates partnersync's CRM fields
// and prints the plan, one line per item (create / update / ok / conflict). A conflict (a field
// partnersync does not manage stands in the way) stops provisioning before any change: the
// conflict lines go to stderr and the exit code is 2. Idempotent: run it again after a config
// change (a new recipe or tier) or any time.

import pino from 'pino';
import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, type CliContext } from '../context.ts';
import { readEnv } from '../../config/env.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';
import type { ProvisionAction, ProvisionPlan } from '../../crm/port.ts';
import { withCrm } from './sync.ts';
import { createLogger } from '../../log.ts';

interface ProvisionOptions {
  config?: string;
  dryRun?: boolean;
}

const line = (a: ProvisionAction): string => `${a.action.padEnd(8)} ${a.target}: ${a.detail}`;

export function summarise(plan: ProvisionPlan, dryRun: boolean): string {
  const count = (kind: ProvisionAction['action']): number => plan.actions.filter((a) => a.action === kind).length;
  const counts = `${count('create')} to create, ${count('update')} to update, ${count('ok')} ok, ${count('conflict')} conflict${count('conflict') === 1 ? '' : 's'}`;
  if (plan.applied) return `applied: ${counts.replace('to create', 'created').replace('to update', 'updated')}`;
  if (count('conflict') > 0) return `not applied: ${counts}; resolve the conflicts and run again`;
  return dryRun ? `dry run: ${counts}; nothing was changed` : `nothing to change: ${counts}`;
}

export function registerProvision(program: Command, ctx: CliContext): void {
  program
    .command('provision')
    .description("Create or update partnersync's fields in the CRM (prints the plan; --dry-run changes nothing)")
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .option('--dry-run', 'print the plan without changing anything')
    .action(async (opts: ProvisionOptions) => {
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
      const env = readEnv(ctx.env, ctx.providers);
      // The plan is the output; logs (warnings by default) go to stderr.
      const logger = createLogger({
        level: env.LOG_LEVEL ?? 'warn',
        destination: pino.destination({ dest: 2, sync: true }),
        secrets: env.secrets,
      });
      const plan: ProvisionPlan = await withCrm(ctx, loaded, env, logger, (crm) =>
        crm.provision({ dryRun: opts.dryRun === true }),
      );
      for (const action of plan.actions) ctx.io.stdout(`${line(action)}\n`);
      const conflicts = plan.actions.filter((a) => a.action === 'conflict');
      if (conflicts.length > 0)
        throw new CliError(EXIT_BAD_INPUT, [...conflicts.map(line), summarise(plan, opts.dryRun === true)]);
      ctx.io.stdout(`${summarise(plan, opts.dryRun === true)}\n`);
    });
}
