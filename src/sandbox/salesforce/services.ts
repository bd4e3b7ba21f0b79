// What the Salesforce routes share: the org, security, sessions, usage counter, cursors, bulk
// jobs, and the limit settings resolved once from the core's `limits` option.
//
// Limit names (override with `limitOverrides`, `false` switches one off):
//   salesforce.api.dailyRequests     daily API allocation enforced with 403 REQUEST_LIMIT_EXCEEDED
//   salesforce.query.maxBatchSize    largest query page (2,000); also the default page
//   salesforce.query.minBatchSize    smallest page a batchSize header can ask for (200)
//   salesforce.collections.maxRecords  sObject Collections size (200)
//   salesforce.fieldSecurity         1: custom fields hidden until FieldPermissions grant them
//   salesforce.queryAll.deletedRows  1: deleted rows only through queryAll
// Extra settings (`extra`): bulkResultsPageSize (rows per Bulk 2.0 results page, default 50,000);
// multiCurrency (default true; false = a single-currency USD org: no CurrencyIsoCode field, no
// CurrencyType object, amounts converted to USD when seeded).

import type { Request } from 'express';
import type { PersonalityContext } from '../personality.ts';
import { limitValue } from '../personality.ts';
import type { ApiUsage } from './api-usage.ts';
import type { BulkJobStore } from './bulk-jobs.ts';
import type { CursorStore } from './query-cursors.ts';
import type { SessionRegistry } from './sessions.ts';
import { OPEN_ACCESS } from './store/field-access.ts';
import type { FieldAccess, FieldSecurity } from './store/field-access.ts';
import type { SalesforceOrg } from './store/org.ts';

/** Enterprise Edition: 100,000 + 1,000 per licence; the sandbox org has 15 licences. */
export const DEFAULT_DAILY_API_REQUESTS = 115_000;
/** Default session timeout (2 hours). */
export const DEFAULT_SESSION_SECONDS = 7_200;

/** Bulk 2.0 results rows per page without maxRecords. */
export const DEFAULT_BULK_RESULTS_PAGE = 50_000;

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

export interface SfSettings {
  dailyLimit: number | null;
  allocation: number;
  maxBatchSize: number | null;
  minBatchSize: number | null;
  maxCollection: number | null;
  fieldSecurity: boolean;
  deletedOnlyInQueryAll: boolean;
  tokenTtlSeconds: number;
  /** Rows per Bulk 2.0 results page when the client gives no maxRecords (`extra.bulkResultsPageSize`). */
  bulkResultsPage: number;
  /** `extra.multiCurrency` (default true): false seeds a single-currency org. */
  multiCurrency: boolean;
}

export function resolveSettings(ctx: PersonalityContext): SfSettings {
  const allocation = ctx.options.dailyLimit ?? DEFAULT_DAILY_API_REQUESTS;
  const limits = ctx.limits;
  return {
    dailyLimit: limitValue(limits, 'salesforce.api.dailyRequests', allocation),
    allocation,
    maxBatchSize: limitValue(limits, 'salesforce.query.maxBatchSize', 2000),
    minBatchSize: limitValue(limits, 'salesforce.query.minBatchSize', 200),
    maxCollection: limitValue(limits, 'salesforce.collections.maxRecords', 200),
    fieldSecurity: limitValue(limits, 'salesforce.fieldSecurity', 1) !== null,
    deletedOnlyInQueryAll: limitValue(limits, 'salesforce.queryAll.deletedRows', 1) !== null,
    tokenTtlSeconds: ctx.options.tokenTtlSeconds ?? DEFAULT_SESSION_SECONDS,
    bulkResultsPage: positiveInt(ctx.options.extra['bulkResultsPageSize']) ?? DEFAULT_BULK_RESULTS_PAGE,
    multiCurrency: ctx.options.extra['multiCurrency'] !== false,
  };
}

export interface SfServices {
  org: SalesforceOrg;
  security: FieldSecurity;
  sessions: SessionRegistry;
  usage: ApiUsage;
  cursors: CursorStore;
  jobs: BulkJobStore;
  settings: SfSettings;
  ctx: PersonalityContext;
}

export interface Caller {
  userId: string;
  access: FieldAccess;
}

export function callerOf(services: SfServices, req: Request): Caller {
  const userId = services.sessions.userFor(req.get('authorization'));
  return { userId, access: services.settings.fieldSecurity ? services.security.forUser(userId) : OPEN_ACCESS };
}
