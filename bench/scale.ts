// `npm run bench -- --scale` (issue 21): what partnersync costs as the account grows, measured
// through the product's public surfaces only (the CLI and `serve` as child processes, HTTP), so
// it measures whatever the branch it runs on holds.
//
//   npm run bench -- --scale [--sizes 10000,100000,300000,1000000] [--budget-minutes 60]
//                            [--targeted-runs 20] [--readme] [--out FILE]
//
// For each size (deals; partners = deals / 50; HubSpot personality, limits off, seed 1):
//  1. the sandbox (bench/sandbox-process.ts) seeds itself in its own process (in memory, no HTTP:
//     1,000,000 deals are generated, not posted); `partnersync provision`;
//  2. full sync, settle (the next incremental run: it reads back the full sync's own write-back)
//     and idle (nothing changed) — each `partnersync sync` as it runs from the CLI
//     (test/reliability/sync-runner.ts, pinned --as-of as in `npm run bench`), with its wall time,
//     peak RSS and the run report's per-step durations (durationsMs);
//  3. `partnersync serve` (test/reliability/cli-runner.ts serve): the dashboard pages and the /v1
//     reads, each asked 10 times in a row (fewer once a page has taken 30 s; at least 2), the
//     first request included in p50/p95;
//  4. one-deal targeted runs: N times, a deal's amount is changed in the sandbox and the signed
//     HubSpot webhook for it is delivered to serve; measured: the run's own duration (its report)
//     and webhook-to-finished (which includes the webhooks' 2 s debounce);
//  5. a full sync started through serve (POST /v1/sync {full: true}) while /healthz is polled every
//     20 ms (1 s timeout): latency p50/p99/max, refused or failed requests;
//  6. serve's peak RSS (VmHWM of its process), the SQLite store's size on disk.
// A size that runs out of its time budget stops where it is and is recorded with the step it
// reached; nothing is silently dropped. Results: bench/results/scale.json and a markdown table on
// stdout; with --readme the table between <!-- scale:begin --> and <!-- scale:end --> in README.md.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hubspotSignature } from '../src/crm/hubspot/signature.ts';
import type { RunnerOutput } from '../test/reliability/sync-runner.ts';
import { ROOT } from '../test/helpers/run-node.ts';
import { SandboxProcess } from './sandbox-client.ts';
import { runEquivalence } from './equivalence.ts';

export interface ScaleOptions {
  sizes: number[];
  budgetMinutes: number;
  targetedRuns: number;
  /** The equivalence check of bench/equivalence.ts after the sizes; deals 0 leaves it out. */
  equivalence: { deals: number; steps: number };
  out: string;
  readme: boolean;
  log: (line: string) => void;
}

const ADMIN = 'scale-bench-admin-token';
const WEBHOOK_SECRET = 'scale-bench-app-secret';
const HEAP = '--max-old-space-size=8192';
const DASHBOARD = ['/ui', '/ui/partners', '/ui/recipes', '/ui/alerts', '/ui/periods'];
const API_READS = ['/v1/partners', '/v1/kpis', '/v1/recipes', '/v1/runs'];
const READ_REPEATS = 10;
/** Time spent asking one page or route again before moving on (a slow page keeps fewer samples). */
const READ_BUDGET_MS = 30_000;

interface Latency {
  samples: number;
  firstMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

interface SyncFigures {
  wallSeconds: number;
  peakRssMb: number;
  status: string;
  durationsMs: Record<string, number>;
  pulled: { partners: number; deals: number } | null;
  written: number;
  writeBackMsPerRecord: number | null;
  apiCalls: number;
}

export interface SizeResult {
  deals: number;
  partners: number;
  /** The last step begun; 'done' when every step finished. */
  reached: string;
  error: string | null;
  seedSeconds: number | null;
  full: SyncFigures | null;
  settle: SyncFigures | null;
  idle: SyncFigures | null;
  reads: Record<string, Latency>;
  dashboardP95Ms: number | null;
  apiP95Ms: number | null;
  targeted: {
    runs: number;
    runP50Ms: number;
    runP95Ms: number;
    webhookToDoneP50Ms: number;
    webhookToDoneP95Ms: number;
    /** Runs that computed scoped (issue 21, src/sync/scope.ts), why the others did not, and their median sizes. */
    scoped?: number;
    fullReasons?: Record<string, number>;
    scopeMedian?: { partners: number; deals: number; readPartners: number; readDeals: number };
    /** The scoped runs' own durations, and the others'. */
    scopedRunP50Ms?: number;
    scopedRunP95Ms?: number;
    fullRunP50Ms?: number;
    fullRunP95Ms?: number;
    /** Median duration of each step over the runs. */
    stepsP50Ms?: Record<string, number>;
    /** The incremental run before the targeted ones, computing what time made due since the settle's asOf. */
    catchUp?: { totalMs: number; mode: string; reason: string };
    /** Each run in order (issue 21: which run sets the p95, and why): path, reason, sizes, step durations. */
    perRun?: {
      totalMs: number;
      mode: string;
      reason: string;
      partners: number;
      deals: number;
      readModels?: string;
      durationsMs: Record<string, number>;
    }[];
  } | null;
  serveFull: {
    seconds: number;
    status: string;
    durationsMs: Record<string, number>;
    healthz: { samples: number; p50Ms: number; p99Ms: number; maxMs: number; refused: number; failed: number };
  } | null;
  servePeakRssMb: number | null;
  storeMb: number | null;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

/** Nearest-rank percentile of unsorted samples. */
function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

class OutOfBudget extends Error {}

/** What the benchmark reads of a run in GET /v1/runs. */
interface RunRow {
  id: string;
  status: string;
  mode?: string;
  report?: {
    mode?: string;
    durationsMs?: Record<string, number>;
    scope?: {
      mode: string;
      reason: string;
      partners: number;
      deals: number;
      read?: { partners: number; deals: number };
      readModels?: string;
    };
    skipped?: unknown;
  };
}

/** How many targeted runs computed scoped, why the others did not, their sizes and step durations (medians). */
function scopeFigures(reports: readonly NonNullable<RunRow['report']>[]): {
  scoped: number;
  fullReasons: Record<string, number>;
  scopeMedian?: { partners: number; deals: number; readPartners: number; readDeals: number };
  scopedRunP50Ms?: number;
  scopedRunP95Ms?: number;
  fullRunP50Ms?: number;
  fullRunP95Ms?: number;
  stepsP50Ms: Record<string, number>;
} {
  const scoped = reports.flatMap((r) => (r.scope?.mode === 'scoped' ? [r.scope] : []));
  const fullReasons: Record<string, number> = {};
  for (const r of reports)
    if (r.scope !== undefined && r.scope.mode !== 'scoped') {
      const why = r.scope.reason.replace(/[\d.]+/g, 'N');
      fullReasons[why] = (fullReasons[why] ?? 0) + 1;
    }
  const median = (xs: number[]): number => round(percentile(xs, 50));
  const steps = new Set(reports.flatMap((r) => Object.keys(r.durationsMs ?? {})));
  const totals = (mode: boolean): number[] =>
    reports.flatMap((r) => ((r.scope?.mode === 'scoped') === mode ? (r.durationsMs?.['total'] ?? []) : []));
  const split = (key: 'scoped' | 'full', xs: number[]): Record<string, number> =>
    xs.length === 0
      ? {}
      : { [`${key}RunP50Ms`]: round(percentile(xs, 50)), [`${key}RunP95Ms`]: round(percentile(xs, 95)) };
  return {
    scoped: scoped.length,
    fullReasons,
    ...split('scoped', totals(true)),
    ...split('full', totals(false)),
    ...(scoped.length === 0
      ? {}
      : {
          scopeMedian: {
            partners: median(scoped.map((x) => x.partners)),
            deals: median(scoped.map((x) => x.deals)),
            readPartners: median(scoped.map((x) => x.read?.partners ?? 0)),
            readDeals: median(scoped.map((x) => x.read?.deals ?? 0)),
          },
        }),
    stepsP50Ms: Object.fromEntries(
      [...steps].map((k) => [k, median(reports.flatMap((r) => r.durationsMs?.[k] ?? []))]),
    ),
  };
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** A node script of the repository as a child; killed at the deadline. */
function runChild(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  deadline: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEAP, path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      Math.max(0, deadline - Date.now()),
    );
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A process's peak resident set (Linux: VmHWM), in MB; null where /proc is not there. */
function peakRssOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export function configText(url: string, portalId: string, storeFile: string, port: number): string {
  const program = readFileSync(path.join(ROOT, 'config/examples/program.yaml'), 'utf8');
  // limits off: our own limiter opened up as for an account without limits (as `npm run bench`);
  // the schedule set to a date that never comes during a benchmark, so only our runs run
  return (
    `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${url}", portalId: "${portalId}", searchLagSeconds: 0, searchOverlapSeconds: 1, rateLimitPer10s: 1000, searchPerSecond: 50, events: webhooks }\n` +
    `store: { url: "sqlite:${storeFile}" }\n` +
    `sync: { schedule: "0 0 1 1 *", fullRefresh: "0 0 1 1 *" }\n` +
    `server: { port: ${port}, rateLimitPerMinute: 100000 }\n`
  );
}

class SizeRun {
  readonly result: SizeResult;
  readonly #dir = mkdtempSync(path.join(tmpdir(), 'partnersync-scale-'));
  readonly #deadline: number;
  readonly #options: ScaleOptions;
  readonly #asOf = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  #sandbox: SandboxProcess | null = null;
  #config = '';
  #port = 0;
  #portalId = '';
  #serve: ChildProcess | null = null;
  #cookie = '';

  constructor(deals: number, options: ScaleOptions) {
    this.#options = options;
    this.#deadline = Date.now() + options.budgetMinutes * 60_000;
    this.result = {
      deals,
      partners: Math.max(50, Math.round(deals / 50)),
      reached: 'seed',
      error: null,
      seedSeconds: null,
      full: null,
      settle: null,
      idle: null,
      reads: {},
      dashboardP95Ms: null,
      apiP95Ms: null,
      targeted: null,
      serveFull: null,
      servePeakRssMb: null,
      storeMb: null,
    };
  }

  get #env(): Record<string, string> {
    return {
      HUBSPOT_ACCESS_TOKEN: 'bench-token',
      HUBSPOT_CLIENT_SECRET: WEBHOOK_SECRET,
      PARTNERSYNC_TOKENS: `admin:${ADMIN}`,
      LOG_LEVEL: 'warn',
    };
  }

  #step(name: string): void {
    if (Date.now() >= this.#deadline) throw new OutOfBudget(`time budget spent before ${name}`);
    this.result.reached = name;
    this.#options.log(`   ${name}…`);
  }

  async run(): Promise<SizeResult> {
    const r = this.result;
    this.#options.log(`\n== scale: hubspot ${r.deals.toLocaleString('en-US')} deals, limits off`);
    try {
      const t0 = performance.now();
      this.#sandbox = await SandboxProcess.start({
        crm: 'hubspot',
        seed: 1,
        partners: r.partners,
        deals: r.deals,
        limits: 'off',
      });
      r.seedSeconds = round((performance.now() - t0) / 1000);
      this.#options.log(`   seeded in ${r.seedSeconds} s`);
      this.#portalId = (await this.#sandbox.info()).portalId ?? '';
      this.#port = await freePort();
      this.#config = path.join(this.#dir, 'partnersync.yaml');
      writeFileSync(
        this.#config,
        configText(this.#sandbox.url, this.#portalId, path.join(this.#dir, 'store.db'), this.#port),
      );
      this.#step('provision');
      const provision = await runChild(
        'test/reliability/cli-runner.ts',
        ['provision', '--config', this.#config],
        this.#env,
        this.#deadline,
      );
      if (provision.code !== 0) throw new Error(`provision failed: ${provision.stderr.slice(-800)}`);
      this.#step('full');
      r.full = await this.#sync(['--full']);
      this.#step('settle');
      await sleep(1300); // more than the search overlap after the previous run (as `npm run bench`)
      r.settle = await this.#sync([]);
      this.#step('idle');
      await sleep(1300);
      r.idle = await this.#sync([]);
      this.#step('serve');
      await this.#startServe();
      this.#step('reads');
      await this.#reads();
      this.#step('targeted');
      await this.#targeted();
      this.#step('serve full sync');
      await this.#serveFull();
      r.reached = 'done';
    } catch (err) {
      r.error = err instanceof Error ? err.message : String(err);
      this.#options.log(`   stopped at ${r.reached}: ${r.error}`);
    } finally {
      await this.#stopServe();
      r.storeMb = this.#storeMb();
      await this.#sandbox?.stop().catch(() => undefined);
      rmSync(this.#dir, { recursive: true, force: true });
    }
    return r;
  }

  async #sync(args: string[]): Promise<SyncFigures> {
    const sandbox = this.#sandbox;
    if (sandbox === null) throw new Error('no sandbox');
    await sandbox.resetStats();
    const out = await runChild(
      'test/reliability/sync-runner.ts',
      ['--config', this.#config, '--as-of', this.#asOf, ...args],
      this.#env,
      this.#deadline,
    );
    if (out.timedOut) throw new OutOfBudget('time budget spent during the sync');
    const line = out.stdout.trim().split('\n').at(-1) ?? '';
    let result: RunnerOutput;
    try {
      result = JSON.parse(line) as RunnerOutput;
    } catch {
      throw new Error(`sync: no result line (exit ${String(out.code)}): ${out.stderr.slice(-800)}`);
    }
    const stats = await sandbox.stats();
    const report = result.report;
    const written = (report?.writeBack.partners ?? 0) + (report?.writeBack.deals ?? 0);
    const writeMs = report?.durationsMs['writeBack'];
    const figures: SyncFigures = {
      wallSeconds: round(result.wallMs / 1000, 2),
      peakRssMb: result.peakRssMb,
      status: result.status === 'succeeded' ? 'ok' : `${result.status}: ${result.error ?? ''}`,
      durationsMs: report?.durationsMs ?? {},
      pulled: report === undefined ? null : { partners: report.pull.partners, deals: report.pull.deals },
      written,
      writeBackMsPerRecord: written > 0 && writeMs !== undefined ? round(writeMs / written, 3) : null,
      apiCalls: stats.total,
    };
    this.#options.log(
      `      ${figures.wallSeconds} s, peak RSS ${figures.peakRssMb} MB, ${figures.apiCalls} API calls, wrote ${written}, ${figures.status}; durations ${JSON.stringify(figures.durationsMs)}`,
    );
    if (result.status !== 'succeeded') throw new Error(`sync ${figures.status}`);
    return figures;
  }

  get #base(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async #startServe(): Promise<void> {
    const child = spawn(
      process.execPath,
      [HEAP, path.join(ROOT, 'test/reliability/cli-runner.ts'), 'serve', '--config', this.#config],
      { cwd: ROOT, env: { ...process.env, ...this.#env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#serve = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited (${String(child.exitCode)}): ${stderr}`);
      if (Date.now() >= this.#deadline) throw new OutOfBudget('time budget spent starting serve');
      try {
        if ((await fetch(`${this.#base}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.#login();
  }

  /** A dashboard session: the login form's token, as a person signs in. */
  async #login(): Promise<void> {
    const form = await fetch(`${this.#base}/ui/login`);
    const loginCookie = (form.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const res = await fetch(`${this.#base}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie, origin: this.#base },
      body: new URLSearchParams({ _csrf: csrf, token: ADMIN, next: '/ui' }).toString(),
    });
    const session = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0] ?? '')
      .find((c) => c !== '' && !c.endsWith('='));
    if (res.status !== 303 || session === undefined) throw new Error(`dashboard sign-in failed (${res.status})`);
    this.#cookie = session;
  }

  async #get(url: string, dashboard: boolean): Promise<number> {
    const t0 = performance.now();
    const res = await fetch(`${this.#base}${url}`, {
      headers: dashboard ? { cookie: this.#cookie } : { authorization: `Bearer ${ADMIN}` },
    });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    return ms;
  }

  async #reads(): Promise<void> {
    const r = this.result;
    for (const [urls, dashboard] of [
      [DASHBOARD, true],
      [API_READS, false],
    ] as const) {
      for (const url of urls) {
        const samples: number[] = [];
        // at most READ_REPEATS requests, fewer when they take long (the samples count is kept)
        const started = performance.now();
        for (let i = 0; i < READ_REPEATS && (i < 2 || performance.now() - started < READ_BUDGET_MS); i++)
          samples.push(await this.#get(url, dashboard));
        r.reads[url] = {
          samples: samples.length,
          firstMs: round(samples[0] ?? NaN),
          p50Ms: round(percentile(samples, 50)),
          p95Ms: round(percentile(samples, 95)),
          maxMs: round(Math.max(...samples)),
        };
        this.#options.log(
          `      ${url}: first ${r.reads[url].firstMs} ms, p50 ${r.reads[url].p50Ms} ms, p95 ${r.reads[url].p95Ms} ms`,
        );
      }
    }
    const worst = (urls: readonly string[]): number => Math.max(...urls.map((u) => r.reads[u]?.p95Ms ?? NaN));
    r.dashboardP95Ms = worst(DASHBOARD);
    r.apiP95Ms = worst(API_READS);
  }

  async #runs(): Promise<RunRow[]> {
    const res = await fetch(`${this.#base}/v1/runs?limit=5`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (!res.ok) throw new Error(`GET /v1/runs: ${res.status}`);
    return ((await res.json()) as { runs: RunRow[] }).runs;
  }

  /** Waits for a run not in `seen` to finish; its duration from its report. */
  async #nextFinished(
    seen: ReadonlySet<string>,
    mode: string | null,
  ): Promise<{ id: string; status: string; totalMs: number; report: RunRow['report'] }> {
    for (;;) {
      if (Date.now() >= this.#deadline) throw new OutOfBudget('time budget spent waiting for a run');
      const runs = await this.#runs().catch(() => []);
      const run = runs.find(
        (x) => !seen.has(x.id) && x.status !== 'running' && (mode === null || (x.mode ?? x.report?.mode) === mode),
      );
      if (run !== undefined)
        return {
          id: run.id,
          status: run.status,
          totalMs: run.report?.durationsMs?.['total'] ?? NaN,
          report: run.report,
        };
      await sleep(50);
    }
  }

  /** Waits for the given run to finish (GET /v1/runs/:id). */
  async #finished(runId: string): Promise<RunRow> {
    for (;;) {
      if (Date.now() >= this.#deadline) throw new OutOfBudget('time budget spent waiting for the run');
      const res = await fetch(`${this.#base}/v1/runs/${runId}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      }).catch(() => null);
      if (res?.ok === true) {
        const run = (await res.json()) as RunRow;
        if (run.status !== 'running') return run;
      } else if (res !== null && res.status !== 404) throw new Error(`GET /v1/runs/${runId}: ${res.status}`);
      await sleep(250);
    }
  }

  async #sandboxApi(pathname: string, init: RequestInit = {}): Promise<unknown> {
    const res = await fetch(`${this.#sandbox?.url ?? ''}${pathname}`, {
      ...init,
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
    });
    if (!res.ok) throw new Error(`sandbox ${pathname}: ${res.status}`);
    return res.json();
  }

  async #targeted(): Promise<void> {
    const page = (await this.#sandboxApi(`/crm/v3/objects/deals?limit=100&properties=amount`)) as {
      results: { id: string; properties: Record<string, string | null> }[];
    };
    const deals = page.results.filter((d) => Number.isFinite(Number(d.properties['amount'] ?? 'x')));
    // what the sync schedule does between webhooks: the settle and idle runs compute as of the
    // size's pinned instant, minutes before serve's runs (5 to 15 at 300k), and the partners whose
    // due instants passed meanwhile (src/sync/idle.ts) would all fall to the first targeted run
    // (44 partners, 7,272 deals at 300k on a loaded machine): one incremental run through serve
    // computes them first, reported on its own (catchUp)
    const catchUp = await this.#incremental();
    const runTimes: number[] = [];
    const endToEnd: number[] = [];
    const reports: NonNullable<RunRow['report']>[] = [];
    const seen = new Set((await this.#runs()).map((x) => x.id));
    for (let i = 0; i < this.#options.targetedRuns; i++) {
      const deal = deals[i % Math.max(1, deals.length)];
      if (deal === undefined) throw new Error('the sandbox has no deal with an amount');
      await this.#sandboxApi(`/crm/v3/objects/deals/${deal.id}`, {
        method: 'PATCH',
        body: JSON.stringify({ properties: { amount: String(Number(deal.properties['amount']) + 100 + i) } }),
      });
      const t0 = performance.now();
      await this.#webhook(i, deal.id);
      const run = await this.#nextFinished(seen, 'targeted');
      seen.add(run.id);
      endToEnd.push(performance.now() - t0);
      if (run.status !== 'succeeded') throw new Error(`targeted run ${run.id} ${run.status}`);
      runTimes.push(run.totalMs);
      if (run.report !== undefined) reports.push(run.report);
      // kept after every run: a size that runs out of time still reports the runs it made
      this.result.targeted = {
        runs: runTimes.length,
        runP50Ms: round(percentile(runTimes, 50)),
        runP95Ms: round(percentile(runTimes, 95)),
        webhookToDoneP50Ms: round(percentile(endToEnd, 50)),
        webhookToDoneP95Ms: round(percentile(endToEnd, 95)),
        ...scopeFigures(reports),
        catchUp,
        perRun: reports.map((x) => ({
          totalMs: x.durationsMs?.['total'] ?? NaN,
          mode: x.scope?.mode ?? '-',
          reason: x.scope?.reason ?? '',
          partners: x.scope?.partners ?? 0,
          deals: x.scope?.deals ?? 0,
          ...(x.scope?.readModels === undefined ? {} : { readModels: x.scope.readModels }),
          durationsMs: x.durationsMs ?? {},
        })),
      };
    }
    this.#options.log(`      ${JSON.stringify(this.result.targeted)}`);
  }

  /** Starts a run through serve (POST /v1/sync), after the one running if it answers 409: its id. */
  async #startSync(body: { full?: boolean }): Promise<string> {
    let res: Response;
    for (;;) {
      res = await fetch(`${this.#base}/v1/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 409) break;
      await res.arrayBuffer();
      if (Date.now() >= this.#deadline) throw new OutOfBudget('time budget spent waiting for a running sync');
      await sleep(500);
    }
    if (res.status !== 202) throw new Error(`POST /v1/sync answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { runId: string }).runId;
  }

  /** One incremental run through serve (POST /v1/sync), waited for: its duration, path and reason. */
  async #incremental(): Promise<{ totalMs: number; mode: string; reason: string }> {
    const runId = await this.#startSync({});
    const run = await this.#finished(runId);
    if (run.status !== 'succeeded') throw new Error(`incremental run ${runId} ${run.status}`);
    const scope = run.report?.scope;
    return {
      totalMs: run.report?.durationsMs?.['total'] ?? NaN,
      mode: scope?.mode ?? (run.report?.skipped === undefined ? '-' : 'skipped'),
      reason: scope?.reason ?? '',
    };
  }

  async #webhook(i: number, dealId: string): Promise<void> {
    const uri = `${this.#base}/v1/webhooks/hubspot`;
    const body = JSON.stringify([
      {
        eventId: 1_000_000 + i,
        subscriptionId: 1,
        portalId: Number(this.#portalId),
        occurredAt: Date.now(),
        subscriptionType: 'deal.propertyChange',
        attemptNumber: 0,
        objectId: Number(dealId),
        propertyName: 'amount',
        changeSource: 'CRM',
      },
    ]);
    const timestamp = String(Date.now());
    const signature = hubspotSignature('v3', { clientSecret: WEBHOOK_SECRET, method: 'POST', uri, body, timestamp });
    const res = await fetch(uri, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      },
      body,
    });
    if (res.status !== 204) throw new Error(`webhook delivery answered ${res.status}: ${await res.text()}`);
  }

  async #serveFull(): Promise<void> {
    // the last targeted run (or one serve started itself) may still be going: the full sync's
    // figures are its own
    while ((await this.#runs()).some((x) => x.status === 'running')) {
      if (Date.now() >= this.#deadline) throw new OutOfBudget('time budget spent waiting for a running sync');
      await sleep(500);
    }
    const latencies: number[] = [];
    let refused = 0;
    let failed = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${this.#base}/healthz`, { signal: AbortSignal.timeout(1000) });
          await res.arrayBuffer();
          if (res.ok) latencies.push(performance.now() - t0);
          else failed++;
        } catch (err) {
          const code = (err as { cause?: { code?: string } }).cause?.code;
          if (code === 'ECONNREFUSED' || code === 'ECONNRESET') refused++;
          else failed++;
        }
        await sleep(Math.max(0, 20 - (performance.now() - t0)));
      }
    })();
    const t0 = performance.now();
    try {
      // one started in between answers 409: wait for it
      const runId = await this.#startSync({ full: true });
      const run = await this.#finished(runId);
      this.result.serveFull = {
        seconds: round((performance.now() - t0) / 1000, 2),
        status: run.status,
        durationsMs: run.report?.durationsMs ?? {},
        healthz: {
          samples: latencies.length,
          p50Ms: round(percentile(latencies, 50)),
          p99Ms: round(percentile(latencies, 99)),
          maxMs: round(Math.max(...latencies)),
          refused,
          failed,
        },
      };
      this.#options.log(`      ${JSON.stringify(this.result.serveFull)}`);
    } finally {
      polling = false;
      await poller;
    }
  }

  async #stopServe(): Promise<void> {
    const child = this.#serve;
    if (child === null) return;
    this.result.servePeakRssMb = peakRssOf(child.pid);
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    this.#serve = null;
  }

  #storeMb(): number | null {
    const file = path.join(this.#dir, 'store.db');
    if (!existsSync(file)) return null;
    const size = [file, `${file}-wal`, `${file}-shm`]
      .filter((f) => existsSync(f))
      .reduce((n, f) => n + statSync(f).size, 0);
    return round(size / 1024 / 1024);
  }
}

// ---- goals (issue 21), judged on the sizes that were measured -------------------------------

interface Goal {
  goal: string;
  deals: number;
  measured: string;
  /** null: that size was not measured (or did not reach the step). */
  met: boolean | null;
}

function goals(results: readonly SizeResult[]): Goal[] {
  const at = (deals: number): SizeResult | undefined => results.find((r) => r.deals === deals);
  const out: Goal[] = [];
  const judge = (
    goal: string,
    deals: number,
    value: number | null | undefined,
    unit: string,
    ok: (v: number) => boolean,
  ): void => {
    const have = value !== null && value !== undefined && Number.isFinite(value);
    out.push({
      goal,
      deals,
      measured: have
        ? `${String(value)} ${unit}`
        : at(deals) === undefined
          ? 'size not run'
          : `not reached (${at(deals)?.reached ?? ''})`,
      met: have ? ok(value) : null,
    });
  };
  judge('one-deal targeted run p95 < 1 s', 300_000, at(300_000)?.targeted?.runP95Ms, 'ms', (v) => v < 1000);
  judge('one-deal targeted run p95 < 2 s', 1_000_000, at(1_000_000)?.targeted?.runP95Ms, 'ms', (v) => v < 2000);
  judge('idle incremental run < 3 s', 1_000_000, at(1_000_000)?.idle?.wallSeconds, 's', (v) => v < 3);
  judge(
    'dashboard pages p95 < 300 ms (first request included)',
    1_000_000,
    at(1_000_000)?.dashboardP95Ms,
    'ms',
    (v) => v < 300,
  );
  judge('/v1 reads p95 < 300 ms (first request included)', 1_000_000, at(1_000_000)?.apiP95Ms, 'ms', (v) => v < 300);
  judge('serve peak RSS < 1.5 GB', 1_000_000, at(1_000_000)?.servePeakRssMb, 'MB', (v) => v < 1536);
  judge('CLI full sync peak RSS < 2 GB', 1_000_000, at(1_000_000)?.full?.peakRssMb, 'MB', (v) => v < 2048);
  judge(
    '/healthz p99 < 100 ms during a full sync',
    1_000_000,
    at(1_000_000)?.serveFull?.healthz.p99Ms,
    'ms',
    (v) => v < 100,
  );
  judge(
    'no refused connection during a full sync',
    1_000_000,
    at(1_000_000)?.serveFull?.healthz.refused,
    'refused',
    (v) => v === 0,
  );
  judge('a full sync with limits off finishes', 1_000_000, at(1_000_000)?.full?.wallSeconds, 's', () => true);
  // linear write-back: the cost per record written at the largest size vs the smallest
  const withWrites = results.filter(
    (r) => r.full?.writeBackMsPerRecord !== null && r.full?.writeBackMsPerRecord !== undefined,
  );
  const first = withWrites[0];
  const last = withWrites.at(-1);
  const ratio =
    first && last && first !== last
      ? (last.full?.writeBackMsPerRecord ?? NaN) / (first.full?.writeBackMsPerRecord ?? NaN)
      : null;
  out.push({
    goal: 'full-sync write-back linear in records written (ms per record, largest ÷ smallest size ≤ 1.5)',
    deals: last?.deals ?? 0,
    measured:
      ratio === null
        ? 'needs two sizes'
        : `${String(first?.full?.writeBackMsPerRecord)} ms/record at ${String(first?.deals)}, ${String(last?.full?.writeBackMsPerRecord)} at ${String(last?.deals)} (×${round(ratio, 2)})`,
    met: ratio === null ? null : ratio <= 1.5,
  });
  return out;
}

// ---- report ---------------------------------------------------------------------------------

const cell = (v: number | null | undefined, unit = ''): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v.toLocaleString('en-US')}${unit}`;

export function scaleTable(results: readonly SizeResult[], checks: readonly Goal[]): string {
  const head = `| | ${results.map((r) => `${r.deals.toLocaleString('en-US')} deals`).join(' | ')} |`;
  const sep = `|---|${results.map(() => '---').join('|')}|`;
  const row = (label: string, f: (r: SizeResult) => string): string => `| ${label} | ${results.map(f).join(' | ')} |`;
  const steps = (s: SyncFigures | null): string =>
    s === null
      ? '—'
      : ['pull', 'compute', 'ledger', 'alerts', 'writeBack']
          .filter((k) => s.durationsMs[k] !== undefined)
          .map((k) => `${k} ${round((s.durationsMs[k] ?? 0) / 1000)}`)
          .join(', ');
  const lines = [
    head,
    sep,
    row('reached', (r) => (r.reached === 'done' ? 'all steps' : `stopped at ${r.reached}`)),
    row('sandbox seed (s)', (r) => cell(r.seedSeconds)),
    row('full sync (s)', (r) => cell(r.full?.wallSeconds)),
    row('full sync steps (s)', (r) => steps(r.full)),
    row('full write-back (ms per record)', (r) => cell(r.full?.writeBackMsPerRecord)),
    row('full sync peak RSS (MB)', (r) => cell(r.full?.peakRssMb)),
    row('settle run (s)', (r) => cell(r.settle?.wallSeconds)),
    row('idle run (s)', (r) => cell(r.idle?.wallSeconds)),
    row('one-deal targeted run p50 / p95 (ms)', (r) =>
      r.targeted === null
        ? '—'
        : `${cell(r.targeted.runP50Ms)} / ${cell(r.targeted.runP95Ms)} (${r.targeted.runs} runs${r.targeted.scoped === undefined ? '' : `, ${r.targeted.scoped} scoped${r.targeted.scopedRunP50Ms === undefined ? '' : `: ${cell(r.targeted.scopedRunP50Ms)} / ${cell(r.targeted.scopedRunP95Ms)}`}`})`,
    ),
    row('webhook to run done p95 (ms, incl. 2 s debounce)', (r) => cell(r.targeted?.webhookToDoneP95Ms)),
    row('dashboard pages p95, worst page (ms)', (r) => cell(r.dashboardP95Ms)),
    row('/v1 reads p95, worst route (ms)', (r) => cell(r.apiP95Ms)),
    row('serve peak RSS (MB)', (r) => cell(r.servePeakRssMb)),
    row('full sync via serve (s)', (r) => cell(r.serveFull?.seconds)),
    row('/healthz during it p50 / p99 / max (ms)', (r) =>
      r.serveFull === null
        ? '—'
        : `${cell(r.serveFull.healthz.p50Ms)} / ${cell(r.serveFull.healthz.p99Ms)} / ${cell(r.serveFull.healthz.maxMs)}`,
    ),
    row('/healthz refused / failed', (r) =>
      r.serveFull === null ? '—' : `${r.serveFull.healthz.refused} / ${r.serveFull.healthz.failed}`,
    ),
    row('store on disk (MB)', (r) => cell(r.storeMb)),
  ];
  const goalLines = [
    '',
    '| goal | deals | measured | |',
    '|---|---|---|---|',
    ...checks.map(
      (g) =>
        `| ${g.goal} | ${g.deals.toLocaleString('en-US')} | ${g.measured} | ${g.met === null ? 'not measured' : g.met ? 'met' : 'missed'} |`,
    ),
  ];
  return [...lines, ...goalLines].join('\n');
}

const BEGIN = '<!-- scale:begin -->';
const END = '<!-- scale:end -->';

/** Replaces what lies between the README's scale markers. */
export function rewriteReadme(file: string, table: string, note: string): void {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: no ${BEGIN} … ${END} markers`);
  writeFileSync(file, `${text.slice(0, a + BEGIN.length)}\n${note}\n\n${table}\n${text.slice(b)}`);
}

/**
 * Issue 21: incremental runs against full syncs on a synthetic account of this size; a difference
 * throws inside runEquivalence and is recorded as the check's error (the other figures stand).
 */
async function equivalenceCheck(options: ScaleOptions): Promise<Record<string, unknown> | null> {
  const { deals, steps } = options.equivalence;
  if (deals === 0) return null;
  options.log(`\n== equivalence: ${deals.toLocaleString('en-US')} deals, ${steps} steps (incremental vs full)`);
  try {
    const r = await runEquivalence({ deals, steps });
    options.log(`equivalent at every check: ${JSON.stringify(r.modes)} in ${round(r.totalMs / 1000)} s`);
    return { deals, partners: r.partners, steps, equal: true, modes: r.modes, seconds: round(r.totalMs / 1000) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    options.log(`NOT EQUIVALENT: ${message}`);
    return { deals, steps, equal: false, error: message };
  }
}

export async function runScale(options: ScaleOptions): Promise<void> {
  const t0 = performance.now();
  const results: SizeResult[] = [];
  for (const deals of options.sizes) results.push(await new SizeRun(deals, options).run());
  const equivalence = await equivalenceCheck(options);
  const checks = goals(results);
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
  const out = {
    generatedAt: new Date().toISOString(),
    machine,
    settings:
      'HubSpot sandbox (own process), limits off, seed 1, partners = deals/50; SQLite store in a temp dir; syncs as CLI processes (--as-of pinned), reads/targeted/healthz through `serve`; budget per size ' +
      `${options.budgetMinutes} min`,
    sizes: results,
    goals: checks,
    equivalence,
    totalSeconds: round((performance.now() - t0) / 1000),
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(out, null, 2)}\n`);
  const table = scaleTable(results, checks);
  process.stdout.write(`${table}\n`);
  if (options.readme) {
    const note = `Measured ${out.generatedAt.slice(0, 10)} on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node} (machine shared, load ${machine.loadAverage.join(' ')}: indicative).`;
    rewriteReadme(path.join(ROOT, 'README.md'), table, note);
    options.log('README.md: scale table rewritten');
  }
  options.log(`\nresults: ${path.relative(process.cwd(), options.out)} (${out.totalSeconds} s)`);
}
