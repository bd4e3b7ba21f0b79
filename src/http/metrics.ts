// Prometheus metrics (GET /metrics). One registry per service instance so tests stay isolated.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface RunMetricsInput {
  status: string;
  durationSeconds: number;
  crmCalls: Record<string, { count: number; statuses: Record<string, number> }>;
  rateLimited: number;
  rejected: number;
  ledgerEntries: number;
  writes: { partners: number; deals: number; failed: number };
}

export class Metrics {
  readonly registry = new Registry();
  readonly runs = new Counter({
    name: 'partnersync_sync_runs_total',
    help: 'Sync runs by final status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'partnersync_sync_duration_seconds',
    help: 'Sync run duration',
    buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800],
    registers: [this.registry],
  });
  readonly crmCalls = new Counter({
    name: 'partnersync_crm_requests_total',
    help: 'CRM API requests by endpoint and HTTP status',
    labelNames: ['endpoint', 'status'],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'partnersync_crm_rate_limited_total',
    help: 'CRM requests answered 429 (or REQUEST_LIMIT_EXCEEDED)',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'partnersync_rejected_records_total',
    help: 'Deals left out of the computation, per run',
    registers: [this.registry],
  });
  readonly ledgerEntries = new Counter({
    name: 'partnersync_ledger_entries_posted_total',
    help: 'Ledger entries posted',
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: 'partnersync_writebacks_total',
    help: 'Records written back to the CRM',
    labelNames: ['object', 'outcome'],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'partnersync_last_successful_sync_timestamp_seconds',
    help: 'When the last sync finished successfully',
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'partnersync_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'],
    registers: [this.registry],
  });
  readonly webhookEvents = new Counter({
    name: 'partnersync_webhook_events_total',
    help: 'CRM change events (webhook deliveries, journals, change streams) by source and outcome',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'partnersync_' });
  }

  recordRun(run: RunMetricsInput, finishedAtSeconds: number): void {
    this.runs.inc({ status: run.status });
    this.runDuration.observe(run.durationSeconds);
    for (const [endpoint, stat] of Object.entries(run.crmCalls)) {
      for (const [status, n] of Object.entries(stat.statuses)) this.crmCalls.inc({ endpoint, status }, n);
    }
    this.rateLimited.inc(run.rateLimited);
    this.rejected.inc(run.rejected);
    this.ledgerEntries.inc(run.ledgerEntries);
    this.writes.inc({ object: 'partner', outcome: 'written' }, run.writes.partners);
    this.writes.inc({ object: 'deal', outcome: 'written' }, run.writes.deals);
    this.writes.inc({ object: 'any', outcome: 'failed' }, run.writes.failed);
    if (run.status === 'succeeded') {
      this.lastSuccess.set(finishedAtSeconds);
      this.lastSuccessSeen = true;
    }
  }

  private lastSuccessSeen = false;

  /**
   * The last successful sync the store recorded before this process started (issue 17): the
   * staleness alert the README recommends must not fire, nor be blind, right after a restart. A
   * run this process finished first wins.
   */
  initLastSuccess(finishedAtSeconds: number): void {
    if (this.lastSuccessSeen) return;
    this.lastSuccess.set(finishedAtSeconds);
    this.lastSuccessSeen = true;
  }
}
