// The parent's side of sandbox-process.ts: forks the sandbox, waits for its URL, and sends it
// commands over IPC (one answer per command id).

import { fork, type ChildProcess } from 'node:child_process';
import type { SandboxOptions } from '../src/sandbox/server.ts';
import type { SandboxStats } from '../src/sandbox/stats.ts';

export type DiffCounts = Record<
  string,
  { added: number; removed: number; touched: number; changed: number; links: number }
>;

interface Answer {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: string;
  ready?: boolean;
  url?: string;
}

export class SandboxProcess {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.url = url;
    child.on('message', (raw) => {
      const a = raw as Answer;
      if (a.id === undefined) return;
      const waiting = this.#pending.get(a.id);
      this.#pending.delete(a.id);
      if (a.ok === true) waiting?.resolve(a.value);
      else waiting?.reject(new Error(`sandbox: ${a.error ?? 'failed'}`));
    });
  }

  /** Starts a sandbox process; resolves when it listens. */
  static start(options: Omit<SandboxOptions, 'onError' | 'clock'>): Promise<SandboxProcess> {
    const child = fork(new URL('./sandbox-process.ts', import.meta.url), [JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=8192'],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        reject(new Error(`sandbox process exited (${String(code)}) before listening`));
      };
      child.once('exit', onExit);
      child.once('message', (raw) => {
        const a = raw as Answer;
        child.off('exit', onExit);
        if (a.ready === true && a.url !== undefined) resolve(new SandboxProcess(child, a.url));
        else reject(new Error('sandbox process: unexpected first message'));
      });
    });
  }

  #ask<T>(cmd: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (v) => {
          resolve(v as T);
        },
        reject,
      });
      this.#child.send({ id, cmd, ...extra });
    });
  }

  info(): Promise<{ portalId: string | null }> {
    return this.#ask('info');
  }

  stats(): Promise<SandboxStats> {
    return this.#ask('stats');
  }

  resetStats(): Promise<void> {
    return this.#ask('resetStats');
  }

  mutate(count: number): Promise<string[]> {
    return this.#ask('mutate', { count });
  }

  mark(name: string): Promise<void> {
    return this.#ask('mark', { name });
  }

  diff(from: string, to: string): Promise<DiffCounts> {
    return this.#ask('diff', { from, to });
  }

  census(): Promise<Record<string, number>> {
    return this.#ask('census');
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      this.#child.once('exit', () => {
        resolve();
      });
    });
    if (this.#child.exitCode === null) {
      await this.#ask('stop');
      await exited;
    }
  }
}
