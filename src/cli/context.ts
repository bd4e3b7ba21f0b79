// What every CLI command receives: its output streams and the environment. Tests pass fakes.

import type { ProviderRegistry } from '../crm/registry.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal: progress bars and colours instead of JSON logs. */
  isTty: boolean;
}

export interface CliContext {
  io: CliIo;
  /** The CRM providers this build knows (src/providers.ts; tests add their own). */
  providers: ProviderRegistry;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Exit codes (README "Exit codes"). */
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** An error a command reports as lines on stderr, with an exit code, and never a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly lines: readonly string[];

  constructor(exitCode: number, lines: readonly string[]) {
    super(lines.join('\n'));
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.lines = lines;
  }
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: process.stdout.isTTY,
  };
}
