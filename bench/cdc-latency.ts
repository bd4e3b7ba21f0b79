// Salesforce Change Data Capture: event-to-write latency (issue 15). `serve` with
// `crm.salesforce.events: cdc` (default 2-second debounce) against the sandbox and its Pub/Sub
// server over TLS; a rep changes one won, commissioned Opportunity's Amount at a time through the
// REST API; the latency is the time from the rep's commit to the commit of partnersync's
// write-back of that Opportunity's partner fields, both read from the sandbox's change log (the
// same clock). Changes whose results do not move (no write-back) are counted, not timed.
//
//   node bench/cdc-latency.ts [--changes N] [--json]     (default 20 changes)

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv } from '../src/config/env.ts';
import { silentLogger } from '../src/log.ts';
import { startService } from '../src/main.ts';
import { isSalesforcePersonality } from '../src/sandbox/salesforce/personality.ts';
import { INTEGRATION_USERNAME } from '../src/sandbox/salesforce/seed/seed-org.ts';
import { adapterFor, salesforceConfig } from '../test/crm/salesforce/helpers.ts';
import {
  atOrAfter,
  pubsubSandbox,
  repUsername,
  sfRest,
  tokenFor,
  until,
} from '../test/crm/salesforce/pubsub-helpers.ts';

const { values } = parseArgs({
  options: { changes: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
});
const CHANGES = Number(values.changes);
const OPP_TOPIC = '/data/OpportunityChangeEvent';
const ADMIN = 'admin-token-0123456789abcdef';

export interface CdcLatency {
  changes: number;
  timed: number;
  noWriteNeeded: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  targetedRuns: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<CdcLatency> {
  const sandbox = await pubsubSandbox({ deals: 400, partners: 20 });
  const personality = sandbox.state.personality;
  if (!isSalesforcePersonality(personality)) throw new Error('not a Salesforce sandbox');
  const log = personality.changeLog;
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-bench-cdc-'));
  const config = salesforceConfig({ salesforce: { events: 'cdc', pubsubEndpoint: sandbox.pubsubEndpoint } });
  const adapter = adapterFor(sandbox.url, config);
  const open = adapter.changeEventSources.bind(adapter);
  adapter.changeEventSources = (options) => open({ ...options, ca: sandbox.ca });
  const svc = await startService({
    config,
    env: readEnv({ PARTNERSYNC_TOKENS: `admin:${ADMIN}`, DATABASE_URL: `sqlite:${path.join(dir, 'store.db')}` }),
    logger: silentLogger(),
    cwd: dir,
    port: 0,
    scheduler: false,
    crm: adapter,
  });
  const account = await svc.crm.accountKey();
  const newest = (): string | null => {
    const events = log.list().filter((e) => e.topic === OPP_TOPIC);
    const last = events[events.length - 1];
    if (last === undefined) return null;
    const buf = Buffer.alloc(8);
    buf.writeBigUInt64BE(last.replayId);
    return buf.toString('base64');
  };
  const settled = async (): Promise<void> => {
    await until(
      'the stream to catch up',
      async () => {
        const n = newest();
        const stored = await svc.store.eventCheckpoint(account, `salesforce-cdc:${OPP_TOPIC}`);
        return n !== null && atOrAfter(stored, n) && svc.syncs.runningId === null ? true : null;
      },
      120_000,
    );
    await svc.syncs.idle();
  };
  try {
    await fetch(`${svc.url}/v1/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: true }),
    });
    await svc.syncs.idle();
    await settled();
    const integration = String(
      (
        ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)['User'] ?? []) as Record<string, unknown>[]
      ).find((u) => u['Username'] === INTEGRATION_USERNAME)?.['Id'],
    );
    const rep = await tokenFor(sandbox, repUsername(sandbox, INTEGRATION_USERNAME));
    const deals = (
      ((sandbox.state.dump()['salesforce'] as Record<string, unknown[]>)['Opportunity'] ?? []) as Record<
        string,
        unknown
      >[]
    ).filter((o) => o['IsWon'] === true && typeof o['Partner_Commission__c'] === 'number');
    const latencies: number[] = [];
    let noWrite = 0;
    let targeted = 0;
    for (let i = 0; i < CHANGES; i++) {
      const deal = deals[i % deals.length];
      if (deal === undefined) break;
      const id = String(deal['Id']);
      const since = log.latest();
      const res = await sfRest(sandbox, 'PATCH', `/sobjects/Opportunity/${id}`, rep, {
        Amount: Math.round(Number(deal['Amount']) * (1.5 + i / 10)),
      });
      if (res.status !== 204) throw new Error(`rep update refused: ${res.status}`);
      await settled();
      const mine = log.list().filter((e) => e.replayId > since && e.header.recordIds.includes(id));
      const change = mine.find((e) => e.header.commitUser !== integration);
      const write = mine.find((e) => e.header.commitUser === integration && e.header.changeType === 'UPDATE');
      if (change === undefined) throw new Error(`no change event for ${id}`);
      if (write === undefined) noWrite++;
      else latencies.push(write.header.commitTimestamp - change.header.commitTimestamp);
    }
    const runs = (await (
      await fetch(`${svc.url}/v1/runs?limit=500`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { runs: { mode: string }[] };
    targeted = runs.runs.filter((r) => r.mode === 'targeted').length;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      changes: CHANGES,
      timed: sorted.length,
      noWriteNeeded: noWrite,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      maxMs: sorted[sorted.length - 1] ?? NaN,
      targetedRuns: targeted,
    };
  } finally {
    await svc.stop();
    await sandbox.stop();
  }
}

const result = await main();
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else
  process.stdout.write(
    `Salesforce CDC event-to-write latency over ${result.timed} changes (${result.noWriteNeeded} needed no write): p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms; ${result.targetedRuns} targeted syncs\n`,
  );
