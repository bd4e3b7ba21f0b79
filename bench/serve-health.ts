// How `serve` answers while a full sync computes (issue 21): the sandbox CRM with N synthetic
// deals in a process of its own (sandbox-process.ts), `partnersync serve` in another, a full
// sync started through the API, and /healthz asked every 20 ms (one request at a time) until
// the run ends. Reports the latency percentiles, how many requests failed (refused or reset
// connections, timeouts), the run's wall time and serve's peak RSS (VmHWM, Linux). Not a test:
// nothing is asserted; the machine's load shows in the figures.
// Usage: npm run bench:serve [-- --deals N --partners N --root DIR]
//   --root: the checkout whose CLI serves (default this one), to compare two builds.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SandboxProcess } from './sandbox-client.ts';

const HERE = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ADMIN = 'bench-admin-token-0123456789';

export interface HealthDuringSyncOptions {
  deals: number;
  /** Partner companies (default deals / 50, at least 50, as the API benchmark seeds). */
  partners?: number;
  /** Time between the starts of two /healthz requests (default 20 ms). */
  pollMs?: number;
  /** The checkout whose CLI serves (default this one). */
  root?: string;
  log?: (line: string) => void;
}

export interface HealthDuringSync {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests that got no answer (connection refused or reset, or no answer within 30 s). */
  refused: number;
  /** /healthz requests made during the run. */
  requests: number;
  /** From POST /v1/sync to the run's end, as a client polling /v1/runs/:id sees it. */
  runMs: number;
  /** serve's peak resident set (the whole process, its worker threads included). */
  serveRssPeakMb: number;
  /** How the run ended. */
  status: string;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Runs the CLI of `root` (from source) and waits for it to end. */
function cli(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'test/reliability/cli-runner.ts'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      resolve({ code, stderr });
    });
  });
}

/** Peak resident set of a process, MiB (Linux /proc; 0 elsewhere). */
function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? 0 : Math.round(Number(m[1]) / 1024);
  } catch {
    return 0;
  }
}

export async function healthDuringSync(opts: HealthDuringSyncOptions): Promise<HealthDuringSync> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const root = path.resolve(opts.root ?? HERE);
  const pollMs = opts.pollMs ?? 20;
  const partners = opts.partners ?? Math.max(50, Math.round(opts.deals / 50));
  log(`\n== serve during a full sync: ${opts.deals.toLocaleString('en-US')} deals, /healthz every ${pollMs} ms`);
  const sandbox = await SandboxProcess.start({ crm: 'hubspot', seed: 1, partners, deals: opts.deals, limits: 'off' });
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-serve-health-'));
  try {
    const { portalId } = await sandbox.info();
    const program = readFileSync(path.join(root, 'config/examples/program.yaml'), 'utf8');
    const config = path.join(dir, 'partnersync.yaml');
    // limits off: partnersync's own pacing as for an account without limits (bench/run.ts does the same)
    writeFileSync(
      config,
      `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: "${portalId ?? ''}", searchLagSeconds: 0, searchOverlapSeconds: 0, rateLimitPer10s: 1000, searchPerSecond: 50 }\nstore: { url: "sqlite:${path.join(dir, 'store.db')}" }\n`,
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HUBSPOT_ACCESS_TOKEN: 'bench-token',
      PARTNERSYNC_TOKENS: `admin:${ADMIN}`,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    };
    const provision = await cli(root, ['provision', '--config', config], env);
    if (provision.code !== 0) throw new Error(`provision failed: ${provision.stderr.slice(0, 1000)}`);

    const serve = spawn(
      process.execPath,
      [path.join(root, 'test/reliability/cli-runner.ts'), 'serve', '--config', config, '--port', '0', '--no-scheduler'],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => {
      serve.once('exit', () => {
        resolve();
      });
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (b: Buffer) => {
          out += b.toString('utf8');
          const m = /API (http:\/\/\S+)\/v1/.exec(out);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        serve.once('exit', (code) => {
          reject(new Error(`serve exited (${String(code)}) before listening`));
        });
      });
      const auth = { authorization: `Bearer ${ADMIN}` };
      const t0 = performance.now();
      const started = await fetch(`${url}/v1/sync`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ full: true }),
      });
      if (started.status !== 202) throw new Error(`POST /v1/sync answered ${started.status}: ${await started.text()}`);
      const { runId } = (await started.json()) as { runId: string };

      const latencies: number[] = [];
      let refused = 0;
      let status = 'running';
      let runMs = 0;
      const health = (async () => {
        while (status === 'running') {
          const s = performance.now();
          try {
            const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
            await res.arrayBuffer();
            latencies.push(performance.now() - s);
          } catch {
            refused += 1;
          }
          await sleep(Math.max(0, pollMs - (performance.now() - s)));
        }
      })();
      while (status === 'running') {
        await sleep(250);
        try {
          const res = await fetch(`${url}/v1/runs/${runId}`, { headers: auth, signal: AbortSignal.timeout(30_000) });
          // 404 until the run has locked the account and recorded itself
          if (res.status === 404 && performance.now() - t0 < 120_000) await res.arrayBuffer();
          else if (res.status !== 200)
            throw new Error(`GET /v1/runs/${runId} answered ${res.status}: ${await res.text()}`);
          else status = ((await res.json()) as { status: string }).status;
        } catch (err) {
          if (!(err instanceof TypeError) && !(err instanceof DOMException)) throw err;
          refused += 1;
        }
      }
      runMs = performance.now() - t0;
      await health;
      const sorted = [...latencies].sort((a, b) => a - b);
      const result: HealthDuringSync = {
        p50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
        p99Ms: Math.round(percentile(sorted, 0.99) * 10) / 10,
        maxMs: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
        refused,
        requests: latencies.length + refused,
        runMs: Math.round(runMs),
        serveRssPeakMb: serve.pid === undefined ? 0 : peakRssMb(serve.pid),
        status,
      };
      log(`   ${JSON.stringify(result)}`);
      return result;
    } finally {
      if (serve.exitCode === null) serve.kill('SIGTERM');
      await exited;
    }
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      deals: { type: 'string', default: '100000' },
      partners: { type: 'string' },
      root: { type: 'string' },
    },
  });
  const result = await healthDuringSync({
    deals: Number(values.deals),
    ...(values.partners === undefined ? {} : { partners: Number(values.partners) }),
    ...(values.root === undefined ? {} : { root: values.root }),
  });
  console.log(JSON.stringify(result));
}
