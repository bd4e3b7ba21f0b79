// `partnersync serve`: the HTTP API and the scheduler until SIGINT/SIGTERM.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { readEnv } from '../../config/env.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';
import { Secrets } from '../../config/secrets.ts';
import { createLogger } from '../../log.ts';
import { startService } from '../../main.ts';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Serve the HTTP API and dashboard, and run scheduled syncs')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .option('--port <n>', 'listen port (default $PORT, then server.port)')
    .option('--no-scheduler', 'do not run scheduled syncs (API and webhooks only)')
    .action(async (opts: { config?: string; port?: string; scheduler: boolean }) => {
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
      const env = readEnv(ctx.env, ctx.providers);
      const secrets = Secrets.fromEnv(loaded.config, ctx.env);
      const logger = createLogger({
        level: env.LOG_LEVEL ?? 'info',
        pretty: ctx.io.isTty && env.NODE_ENV !== 'production',
        secrets: [...env.secrets, ...secrets.values()],
      });
      const port = opts.port === undefined ? undefined : Number(opts.port);
      const service = await startService({
        config: loaded,
        env,
        logger,
        cwd: ctx.cwd,
        port,
        scheduler: opts.scheduler,
        secrets,
      });
      ctx.io.stdout(`partnersync serving on ${service.url} (dashboard ${service.url}/ui)\n`);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          logger.info({ signal }, 'signal received');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void service.stop().then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
