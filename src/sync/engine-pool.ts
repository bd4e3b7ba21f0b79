// KPIs computed off the event loop (issue 21): one lazily started worker thread runs the pure
// engine on a structured clone of the program config and the snapshot, so `serve` keeps
// answering /healthz and the API while a read computes. Requests queue in the worker in order.

import { Worker } from 'node:worker_threads';
import type { ComputeResult } from '../domain/engine.ts';
import type { Program } from '../domain/program.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import type { Period } from '../domain/time.ts';
import type { PeriodModel } from './read-model-build.ts';
import type { PortalPartner } from './portal-model.ts';
import { keepWasmCode } from './wasm-code.ts';

export type KpisResult = Pick<ComputeResult, 'asOf' | 'currency' | 'period' | 'partners' | 'recipes' | 'program'>;

interface Pending {
  resolve: (k: never) => void;
  reject: (err: Error) => void;
}

/**
 * Engine computations requested by reads (a seam for tests: issue 21's reads after a run must
 * not compute; counted per kind).
 */
export const engineCalls = { kpis: 0, model: 0, portal: 0 };

/** The worker's file next to this one: .ts when run from source, .js when built. */
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './engine-worker.ts' : './engine-worker.js',
  import.meta.url,
);

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  worker = null;
}

function started(): Worker {
  if (worker !== null) return worker;
  keepWasmCode(); // a thread beside the ones running wasm (wasm-code.ts)
  const w = new Worker(workerUrl);
  w.on('message', (m: { id: number; kpis?: KpisResult; model?: PeriodModel; portal?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    const answer = m.kpis ?? m.model ?? m.portal;
    if (answer !== undefined) p.resolve(answer as never);
    else p.reject(new Error(`engine worker: ${m.error ?? 'no result'}`));
  });
  w.on('error', (err: Error) => {
    failAll(err);
  });
  w.on('exit', (code) => {
    failAll(new Error(`engine worker exited with code ${String(code)}`));
  });
  w.unref(); // an idle worker never keeps the process alive
  worker = w;
  return w;
}

/** KPIs of one period, computed in the worker thread (same figures as computeResult). */
export function computeKpisOffLoop(
  program: Program,
  snapshot: Snapshot,
  options: { asOf: number; period?: Period | undefined },
): Promise<KpisResult> {
  engineCalls.kpis++;
  return request<KpisResult>({ kind: 'kpis', programConfig: program.config, snapshot, ...options });
}

/**
 * The read model of one period (read-model-build.ts), computed in the worker thread: what a
 * run would have stored for that period with the same snapshot and asOf.
 */
export function computePeriodModelOffLoop(
  program: Program,
  snapshot: Snapshot,
  options: { asOf: number; period: Period },
): Promise<PeriodModel> {
  engineCalls.model++;
  return request<PeriodModel>({ kind: 'model', programConfig: program.config, snapshot, ...options });
}

function request<T>(message: Record<string, unknown>): Promise<T> {
  const w = started();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // a request in flight keeps the process alive until it answers
    w.postMessage({ id, ...message });
  });
}

/**
 * One partner's figures on the partner pages (portal-model.ts), computed in the worker thread
 * over `snapshot` — the partner's part of the account (src/sync/scope.ts), whose outputs for the
 * partner and its deals equal the whole account's — as of `asOf`. Null for a partner the
 * computation does not know.
 */
export function partnerPortalOffLoop(
  program: Program,
  snapshot: Snapshot,
  asOf: number,
  partnerId: string,
): Promise<PortalPartner | null> {
  engineCalls.portal++;
  return request<{ partner: PortalPartner | null }>({
    kind: 'portal',
    programConfig: program.config,
    snapshot,
    asOf,
    partnerId,
  }).then((a) => a.partner);
}

/** Stops the worker (tests, shutdown); the next request starts a new one. */
export async function stopEngineWorker(): Promise<void> {
  const w = worker;
  worker = null;
  if (w !== null) await w.terminate();
}
