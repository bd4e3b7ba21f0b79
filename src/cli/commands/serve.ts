// `partnersync serve`: the HTTP API and the scheduler until SIGINT/SIGTERM.

import type { Command } from 'commander';
import { CliError, EXIT_BAD_INPUT, EXIT_RUN_FAILED, type CliContext } from '../context.ts';
import { readEnv } from '../../config/env.ts';
import { loadConfigFile, resolveConfigPath } from '../../config/load.ts';
import { Secrets } from '../../config/secrets.ts';
import { createLogger } from '../../log.ts';
import { ListenError, startService } from '../../main.ts';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Serve the HTTP API and dashboard, and run scheduled syncs')
    .option('--config <file>', 'config file (default: $PARTNERSYNC_CONFIG, then config/partnersync.yaml)')
    .option('--port <n>', 'listen port (default $PORT, then server.port)')
    .option(
      '--host <address>',
      'address to bind (default $HOST, then server.host: 127.0.0.1; 0.0.0.0 for every interface)',
    )
    .option('--no-scheduler', 'do not run scheduled syncs (API and webhooks only)')
    .action(async (opts: { config?: string; port?: string; host?: string; scheduler: boolean }) => {
      // argument errors first, before a store, a CRM adapter or a sandbox is started
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!/^\d+$/.test(opts.port ?? '') || port > 65535))
        throw new CliError(EXIT_BAD_INPUT, [
          `--port: "${opts.port ?? ''}" is not a port; use a whole number from 0 to 65535 (e.g. 8080)`,
        ]);
      if (opts.host?.trim() === '')
        throw new CliError(EXIT_BAD_INPUT, ['--host: empty; use an address such as 127.0.0.1']);
      const loaded = loadConfigFile(resolveConfigPath(opts.config, ctx.env, ctx.cwd), ctx.providers);
      const env = readEnv(ctx.env, ctx.providers);
      const secrets = Secrets.fromEnv(loaded.config, ctx.env);
      const logger = createLogger({
        level: env.LOG_LEVEL ?? 'info',
        pretty: ctx.io.isTty && env.NODE_ENV !== 'production',
        secrets: [...env.secrets, ...secrets.values()],
      });
      let service;
      try {
        service = await startService({
          config: loaded,
          env,
          logger,
          cwd: ctx.cwd,
          port,
          host: opts.host?.trim(),
          scheduler: opts.scheduler,
          secrets,
        });
      } catch (err) {
        // a taken port is the machine's state (1); an address that is not this machine's is config (2)
        if (err instanceof ListenError)
          throw new CliError(
            err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? EXIT_BAD_INPUT : EXIT_RUN_FAILED,
            [err.message],
          );
        throw err;
      }
      // the signal handlers go in before the banner: a supervisor may stop us as soon as it reads it
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          logger.info({ signal }, 'signal received');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void service.stop().then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      const { host, port: boundPort } = service.bound;
      const every = host === '0.0.0.0' || host === '::';
      ctx.io.stdout(
        `partnersync listening on ${host.includes(':') ? `[${host}]` : host}:${boundPort}${every ? ' (every interface)' : host === '127.0.0.1' || host === '::1' ? ' (this machine only; set server.host or HOST to 0.0.0.0 for other machines)' : ''}: API ${service.url}/v1, dashboard ${service.url}/ui\n`,
      );
      await stopped;
    });
}
