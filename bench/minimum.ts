// The theoretical minimum of API calls for one sync run (issue 8): the reads needed to see every
// record the run must see once, at the largest page size the API allows, plus the writes needed
// to change every changed record once, at the largest batch size, plus 10 fixed calls per run
// (token, pipelines or org settings, property checks, empty change queries, task look-ups…).
//
// Records the run must see — counted by the sandbox (sandbox-process.ts), not by the connector:
//  - full run: every partner record, every deal, and every influencer link (HubSpot: each deal
//    whose `partner_influencers` is set needs its property history, for touch times; Salesforce:
//    every OpportunityPartner row);
//  - incremental run: every record the CRM shows as modified since the previous run started —
//    edits by others *and* the previous run's own write-back (a CRM change feed cannot tell them
//    apart: a rep may have edited a record between our read and our write) — and the links that
//    changed (HubSpot: deals whose influencers changed; Salesforce: OpportunityPartner rows).
// Changed records: records whose values (CRM bookkeeping such as modified dates left out) differ
// between the start and the end of the run, plus the tasks the run created.
//
// Page and batch sizes (the largest each API allows):
//  HubSpot:    partner companies by search 200 (they are a filtered subset of companies); deals by
//              list 100 in a full run (search stops at 10,000 results per query and allows 5/s)
//              and by search 200 in an incremental run; primary companies by association batch
//              read 1,000; influencer history by batch read with propertiesWithHistory 50;
//              batch update 100 (companies and deals separately), batch create 100 (tasks).
//  Salesforce: SOQL query pages of 2,000 (Accounts, Opportunities, OpportunityPartner rows);
//              sObject Collections of 200 (updates of Accounts and Opportunities together, task
//              creates separately).

export const FIXED_CALLS_PER_RUN = 10;

export const PAGE = {
  hubspot: { search: 200, list: 100, associations: 1000, history: 50, batchWrite: 100 },
  salesforce: { query: 2000, collection: 200 },
} as const;

export interface MustSee {
  partners: number;
  deals: number;
  /** HubSpot: deals whose influencer history must be read; Salesforce: OpportunityPartner rows. */
  links: number;
}

export interface Changed {
  partners: number;
  deals: number;
  tasksCreated: number;
}

export interface Minimum {
  reads: number;
  writes: number;
  fixed: number;
  total: number;
}

const pages = (records: number, size: number): number => Math.ceil(records / size);

export function theoreticalMinimum(
  crm: 'hubspot' | 'salesforce',
  mode: 'full' | 'incremental',
  see: MustSee,
  changed: Changed,
): Minimum {
  let reads: number;
  let writes: number;
  if (crm === 'hubspot') {
    const p = PAGE.hubspot;
    reads =
      pages(see.partners, p.search) +
      pages(see.deals, mode === 'full' ? p.list : p.search) +
      pages(see.deals, p.associations) +
      pages(see.links, p.history);
    writes =
      pages(changed.partners, p.batchWrite) +
      pages(changed.deals, p.batchWrite) +
      pages(changed.tasksCreated, p.batchWrite);
  } else {
    const p = PAGE.salesforce;
    reads = pages(see.partners, p.query) + pages(see.deals, p.query) + pages(see.links, p.query);
    writes = pages(changed.partners + changed.deals, p.collection) + pages(changed.tasksCreated, p.collection);
  }
  return { reads, writes, fixed: FIXED_CALLS_PER_RUN, total: reads + writes + FIXED_CALLS_PER_RUN };
}
