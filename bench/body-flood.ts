// `node bench/body-flood.ts`: how /healthz answers while forty unauthenticated, deeply nested
// 1 MB bodies arrive at once (issue 16, finding 3). The service runs in a process of its own
// (this file with --serve), so the figures are the server's, not the flooding client's. Prints
// the /healthz latency before and during the flood and how the bodies were answered.

import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TOKEN = 'admin-token-for-the-body-flood-bench';
const MB = 1024 * 1024;

async function serve(): Promise<void> {
  const { parseConfigText } = await import('../src/config/load.ts');
  const { readEnv } = await import('../src/config/env.ts');
  const { FakeCrm } = await import('../src/crm/fake/fake-crm.ts');
  const { silentLogger } = await import('../src/log.ts');
  const { startService } = await import('../src/main.ts');
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-flood-'));
  const yaml = `program: { currency: USD }\nserver: { rateLimitPerMinute: 100000 }\nstore: { url: "sqlite:${path.join(dir, 'store.db')}" }\n`;
  const service = await startService({
    config: { file: 'bench.yaml', ...parseConfigText(yaml, 'bench.yaml') },
    env: readEnv({ PARTNERSYNC_TOKENS: `admin:${TOKEN}` }),
    logger: silentLogger(),
    cwd: dir,
    port: 0,
    scheduler: false,
    crm: new FakeCrm({ account: 'bench', pageSize: 50 }),
  });
  process.send?.({ url: service.url });
  process.on('disconnect', () => {
    void service.stop().then(() => process.exit(0));
  });
}

async function probe(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${url}/healthz`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
  return performance.now() - start;
}

const summary = (ms: number[]): string => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): string => (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(1);
  return `${s.length} probes, median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${(s.at(-1) ?? 0).toFixed(1)} ms`;
};

/** The flooding client, in a process of its own too: it sends, then reports the answers. */
async function send(url: string): Promise<void> {
  const depth = Math.floor((MB - 2) / 2);
  const body = `${'['.repeat(depth)}${']'.repeat(depth)},`;
  process.send?.('start');
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const res = await fetch(`${url}/v1/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    }),
  );
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  process.send?.(
    `bodies: 40 × ${body.length} bytes, nesting ${depth}, answered ${[...counts].map(([s, n]) => `${n}× ${s}`).join(', ')} in ${(performance.now() - started).toFixed(0)} ms`,
  );
}

async function flood(): Promise<void> {
  const server = fork(import.meta.filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve) => {
    server.once('message', (m: { url: string }) => {
      resolve(m.url);
    });
  });
  try {
    const quiet: number[] = [];
    for (let i = 0; i < 50; i++) quiet.push(await probe(url));
    const sender = fork(import.meta.filename, ['--send', url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const seen: { sending: boolean; report: string | null; finished: boolean } = {
      sending: false,
      report: null,
      finished: false,
    };
    sender.on('message', (m: string) => {
      if (m === 'start') seen.sending = true;
      else seen.report = m;
    });
    sender.once('exit', () => {
      seen.finished = true;
    });
    const during: number[] = [];
    while (!seen.finished) {
      const ms = await probe(url);
      // only probes answered while the bodies were on their way count
      if (seen.sending && seen.report === null) during.push(ms);
    }
    console.log(seen.report ?? 'the flooding process reported nothing');
    console.log(`/healthz before the flood: ${summary(quiet)}`);
    console.log(`/healthz during the flood: ${summary(during)}`);
  } finally {
    server.disconnect();
  }
}

const mode = process.argv[2];
await (mode === '--serve' ? serve() : mode === '--send' ? send(process.argv[3] ?? '') : flood());
