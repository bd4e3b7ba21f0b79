// HubSpot-shaped answers for the nock contract tests (as HubSpot documents them), and an adapter
// pointed at api.hubapi.com with an instant timer (backoff without waiting).

import nock from 'nock';
import { HubspotAdapter } from '../../src/crm/hubspot/adapter.ts';
import type { TokenSource } from '../../src/crm/hubspot/token-source.ts';
import { silentLogger } from '../../src/log.ts';
import { hubspotSettings, instantTimer } from './hubspot-fixtures.ts';

export const BASE = 'https://api.hubapi.com';
export const STAMP = '2026-03-01T00:00:00.000Z';

export type Props = Record<string, string | null>;

export function dealJson(id: string | number, props: Props = {}): Record<string, unknown> {
  return {
    id: String(id),
    properties: {
      dealname: `Deal ${id}`,
      amount: '1000',
      deal_currency_code: 'USD',
      dealstage: 'closedwon',
      pipeline: 'default',
      createdate: '2026-01-10T10:00:00.000Z',
      closedate: '2026-02-01T00:00:00.000Z',
      hs_object_id: String(id),
      ...props,
    },
    createdAt: '2026-01-10T10:00:00.000Z',
    updatedAt: STAMP,
    archived: false,
  };
}

export function companyJson(id: string | number, props: Props = {}): Record<string, unknown> {
  return {
    id: String(id),
    properties: { name: `Partner ${id}`, type: 'PARTNER', hs_object_id: String(id), ...props },
    createdAt: '2025-01-10T10:00:00.000Z',
    updatedAt: STAMP,
    archived: false,
  };
}

export const PIPELINES = {
  results: [
    {
      id: 'default',
      label: 'Sales Pipeline',
      displayOrder: 0,
      createdAt: STAMP,
      updatedAt: STAMP,
      archived: false,
      stages: [
        {
          id: 'appointmentscheduled',
          label: 'Appointment Scheduled',
          displayOrder: 0,
          metadata: { isClosed: 'false', probability: '0.2' },
          createdAt: STAMP,
          updatedAt: STAMP,
          archived: false,
        },
        {
          id: 'closedwon',
          label: 'Closed Won',
          displayOrder: 1,
          metadata: { isClosed: 'true', probability: '1.0' },
          createdAt: STAMP,
          updatedAt: STAMP,
          archived: false,
        },
        {
          id: 'closedlost',
          label: 'Closed Lost',
          displayOrder: 2,
          metadata: { isClosed: 'true', probability: '0.0' },
          createdAt: STAMP,
          updatedAt: STAMP,
          archived: false,
        },
      ],
    },
  ],
};

export function batchJson(results: unknown[], errors: unknown[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: STAMP, completedAt: STAMP };
  if (errors.length > 0) {
    out['errors'] = errors;
    out['numErrors'] = errors.length;
  }
  return out;
}

/** An Associations v4 batch answer: deal → [company ids], the first one primary. */
export function associationsJson(links: Record<string, string[]>): Record<string, unknown> {
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const [dealId, companies] of Object.entries(links)) {
    if (companies.length === 0) {
      errors.push({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
        message: `No company is associated with deal ${dealId}.`,
        context: { fromObjectId: [dealId] },
        links: {},
      });
      continue;
    }
    results.push({
      from: { id: dealId },
      to: companies.map((c, i) => ({
        toObjectId: Number(c),
        associationTypes:
          i === 0
            ? [
                { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
                { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
              ]
            : [{ category: 'HUBSPOT_DEFINED', typeId: 341, label: null }],
      })),
    });
  }
  return batchJson(results, errors);
}

export function pageJson(results: unknown[], after?: string): Record<string, unknown> {
  return after === undefined
    ? { results }
    : { results, paging: { next: { after, link: `${BASE}/next?after=${after}` } } };
}

export function searchJson(results: unknown[], total: number, after?: string): Record<string, unknown> {
  return after === undefined ? { total, results } : { total, results, paging: { next: { after } } };
}

/** HubSpot's 429 bodies. */
export function rateLimitBody(policyName: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY'): Record<string, unknown> {
  return {
    status: 'error',
    message: `You have reached your ${policyName === 'DAILY' ? 'daily' : 'ten_secondly_rolling'} limit.`,
    errorType: 'RATE_LIMIT',
    correlationId: '2d0f5f5a-0000-4000-8000-000000000001',
    policyName,
  };
}

export function errorBody(category: string, message: string, errors: unknown[] = []): Record<string, unknown> {
  return { status: 'error', message, correlationId: '2d0f5f5a-0000-4000-8000-000000000002', category, errors };
}

export interface NockAdapter {
  adapter: HubspotAdapter;
  timer: ReturnType<typeof instantTimer>;
}

export function nockAdapter(
  options: { crmYaml?: string; env?: Record<string, string>; tokens?: TokenSource } = {},
): NockAdapter {
  const timer = instantTimer();
  const adapter = new HubspotAdapter({
    settings: hubspotSettings(
      options.crmYaml ?? '  hubspot: { portalId: 4242, searchLagSeconds: 10, searchOverlapSeconds: 60 }\n',
    ),
    env: options.env ?? { HUBSPOT_ACCESS_TOKEN: 'pat-na1-test' },
    logger: silentLogger(),
    timer,
    retry: { random: () => 0.5 },
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });
  return { adapter, timer };
}

/** Search bodies as the adapter sends them. */
export interface SearchBody {
  filterGroups?: {
    filters: { propertyName: string; operator: string; value?: string; highValue?: string; values?: string[] }[];
  }[];
  sorts?: { propertyName: string; direction: string }[];
  properties?: string[];
  limit?: number;
  after?: string;
}

export function filterValue(body: SearchBody, propertyName: string, operator: string): string | undefined {
  return body.filterGroups?.[0]?.filters.find((f) => f.propertyName === propertyName && f.operator === operator)?.value;
}

/** The modified-date window of a search: [start, end] of its BETWEEN filter. */
export function windowOf(body: SearchBody): [string | undefined, string | undefined] {
  const f = body.filterGroups?.[0]?.filters.find(
    (x) => x.propertyName === 'hs_lastmodifieddate' && x.operator === 'BETWEEN',
  );
  return [f?.value, f?.highValue];
}

export function hubspot(): nock.Scope {
  return nock(BASE);
}
