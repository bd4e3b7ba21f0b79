// CLI entry: parses arguments with commander and maps every failure to a documented exit code.

import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.ts';
import {
  CliError,
  EXIT_BAD_INPUT,
  EXIT_OK,
  EXIT_RUN_FAILED,
  processIo,
  type CliContext,
  type CliIo,
} from './context.ts';
import { ConfigError } from '../config/errors.ts';
import type { ProviderRegistry } from '../crm/registry.ts';
import { builtInProviders } from '../providers.ts';

export const VERSION = '0.1.0';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('partnersync')
    .description('Partner program economics inside the CRM you already use')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr })
    .exitOverride();
  for (const register of commands) register(program, ctx);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
  return program;
}

export async function main(
  argv: readonly string[],
  env: CliContext['env'],
  io: CliIo = processIo(),
  providers: ProviderRegistry = builtInProviders,
): Promise<number> {
  const ctx: CliContext = { io, env, cwd: process.cwd(), providers };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return reportError(err, io, env['PARTNERSYNC_DEBUG'] !== undefined);
  }
}

function reportError(err: unknown, io: CliIo, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version are successful exits
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
      return EXIT_OK;
    return EXIT_BAD_INPUT;
  }
  if (err instanceof ConfigError) {
    for (const line of err.lines()) io.stderr(`${line}\n`);
    return EXIT_BAD_INPUT;
  }
  if (err instanceof CliError) {
    for (const line of err.lines) io.stderr(`${line}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`error: ${message}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  return EXIT_RUN_FAILED;
}
