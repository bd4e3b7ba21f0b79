// What every CLI command receives: its output streams and the environment. Tests pass fakes.

import type { ProviderRegistry } from '../crm/registry.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal: progress bars and colours instead of JSON logs. */
  isTty: boolean;
  /**
   * Asks a yes/no question on the terminal; absent when stdin or stdout is not a terminal
   * (commands that must confirm then require --yes).
   */
  confirm?: (question: string) => Promise<boolean>;
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
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: process.stdout.isTTY,
  };
  if (process.stdin.isTTY && process.stdout.isTTY) io.confirm = askOnTerminal;
  return io;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
