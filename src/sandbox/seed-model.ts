// The logical seed data both sandbox personalities load. One generator, two CRMs: the same seed
// gives HubSpot and Salesforce the same partners, customers, deals, registrations and influencer
// links, each personality mapping them onto its own objects, ids and field names.
//
// Values are held "as a CRM holds them": amounts are text (a few empty, garbage or negative),
// currencies include unknown codes, ratings may be missing or out of range, some references name a
// partner that does not exist. The generator is deterministic (seeded mulberry32) and lean enough
// for 100,000+ deals: one pass, plain objects, no per-deal closures.

import { createRng, deriveSeed, type Rng } from './rng.ts';

/** Recipe ids of config/examples/program.yaml. */
export const ACTIVE_RECIPES = ['referral', 'reseller', 'technology', 'co-marketing', 'co-selling'] as const;
export const RETIRED_RECIPE = 'affiliate-coupons';
export const ANTI_RECIPE = 'white-label';
export const RECIPE_IDS = [...ACTIVE_RECIPES, RETIRED_RECIPE, ANTI_RECIPE] as const;
export type RecipeId = (typeof RECIPE_IDS)[number];

/** Tier names of the example program's `referral-tiered` plan. */
export const TIERS = ['Referral', 'Certified', 'Premium'] as const;
export type Tier = (typeof TIERS)[number];

export const RATING_KEYS = ['communication', 'alignment', 'trust', 'ease', 'potential'] as const;
export type RatingKey = (typeof RATING_KEYS)[number];
export const FIT_KEYS = ['strategic', 'value', 'reach', 'operations', 'readiness'] as const;
export type FitKey = (typeof FIT_KEYS)[number];

export type DealOutcome = 'open' | 'won' | 'lost';
export const REGISTRATION_STATUSES = ['submitted', 'approved', 'rejected', 'expired'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/**
 * The deal stages of the seed. `id` is HubSpot's default sales-pipeline stage id; `salesforceName`
 * is the matching standard Opportunity StageName. `probability` 1.0 means won.
 */
export interface SeedStage {
  id: string;
  label: string;
  outcome: DealOutcome;
  probability: number;
  salesforceName: string;
  displayOrder: number;
}

export const SEED_STAGES: readonly SeedStage[] = [
  {
    id: 'appointmentscheduled',
    label: 'Appointment Scheduled',
    outcome: 'open',
    probability: 0.2,
    salesforceName: 'Prospecting',
    displayOrder: 0,
  },
  {
    id: 'qualifiedtobuy',
    label: 'Qualified To Buy',
    outcome: 'open',
    probability: 0.4,
    salesforceName: 'Qualification',
    displayOrder: 1,
  },
  {
    id: 'presentationscheduled',
    label: 'Presentation Scheduled',
    outcome: 'open',
    probability: 0.6,
    salesforceName: 'Value Proposition',
    displayOrder: 2,
  },
  {
    id: 'decisionmakerboughtin',
    label: 'Decision Maker Bought-In',
    outcome: 'open',
    probability: 0.8,
    salesforceName: 'Id. Decision Makers',
    displayOrder: 3,
  },
  {
    id: 'contractsent',
    label: 'Contract Sent',
    outcome: 'open',
    probability: 0.9,
    salesforceName: 'Negotiation/Review',
    displayOrder: 4,
  },
  {
    id: 'closedwon',
    label: 'Closed Won',
    outcome: 'won',
    probability: 1,
    salesforceName: 'Closed Won',
    displayOrder: 5,
  },
  {
    id: 'closedlost',
    label: 'Closed Lost',
    outcome: 'lost',
    probability: 0,
    salesforceName: 'Closed Lost',
    displayOrder: 6,
  },
];

export interface SeedOwner {
  id: string; // 'o1'
  firstName: string;
  lastName: string;
  email: string;
  createdAt: string;
}

export interface SeedPartner {
  id: string; // 'p1'
  name: string;
  domain: string;
  ownerId: string;
  createdAt: string;
  recipe: RecipeId | null;
  tier: Tier | null;
  onboardedAt: string | null;
  endedAt: string | null;
  /** 1–5 as reps enter them; null = not filled; a few out of range or fractional (invalid). */
  ratings: Record<RatingKey, number | null>;
  fit: Record<FitKey, number | null>;
}

/** A person at a partner company (the partner's contacts that notifications write to). */
export interface SeedContact {
  id: string; // 'k1'
  partnerId: string;
  firstName: string;
  lastName: string;
  /** Null for a few: a contact without an e-mail is never written to. */
  email: string | null;
  /** HubSpot `jobtitle`, Salesforce `Title`: what a partnerContacts filter can test. */
  title: string;
}

export interface SeedCustomer {
  id: string; // 'c1'
  name: string;
  domain: string;
  ownerId: string;
  createdAt: string;
}

export interface SeedRegistration {
  /** May name an unknown partner (see SeedData.unknownPartnerIds). */
  partnerId: string;
  status: RegistrationStatus;
  submittedAt: string;
  decidedAt: string | null;
  expiresAt: string | null;
}

export interface SeedInfluence {
  partnerId: string;
  /** When the partner was added to the deal (HubSpot: property history time; Salesforce: OpportunityPartner.CreatedDate). */
  at: string;
}

export interface SeedDeal {
  id: string; // 'd1'
  name: string;
  ownerId: string;
  /** As the CRM holds it: '1234.50', '' (empty), garbage ('12,500.00', 'n/a') or negative. */
  amount: string;
  /** ISO 4217, mostly USD; a few codes the example program does not know ('XXX', 'BRL'). */
  currency: string;
  stage: DealOutcome;
  /** SEED_STAGES id. */
  stageId: string;
  createdAt: string;
  /** Won/lost: when it closed; open: the expected close date (may be past). Null on a few bad records. */
  closedAt: string | null;
  /** Last change in the seed's history (>= createdAt, <= anchor). */
  updatedAt: string;
  customerId: string | null;
  recipe: RecipeId | null;
  sourcePartnerId: string | null;
  registration: SeedRegistration | null;
  /** Partners that influenced the deal, oldest first. */
  influencers: SeedInfluence[];
}

export interface SeedParams {
  seed: number;
  partners: number;
  deals: number;
  /** ISO instant the data is generated around: closes fall in the two years before it. */
  anchor: string;
}

export interface SeedData {
  params: SeedParams;
  owners: SeedOwner[];
  partners: SeedPartner[];
  customers: SeedCustomer[];
  deals: SeedDeal[];
  /** People at partner companies (their own random stream: adding them shifts no other value). */
  contacts: SeedContact[];
  /** Partner ids deals refer to that are not in `partners` (deleted partners): personalities give them CRM ids that do not exist. */
  unknownPartnerIds: string[];
}

export interface GenerateSeedOptions {
  seed?: number;
  partners?: number;
  deals?: number;
  /** Default: today at 00:00 UTC. */
  anchor?: string | Date | number;
}

const DAY = 86_400_000;

/** Today at 00:00 UTC, so a day's runs share one seed. */
export function defaultAnchor(nowMs: number = Date.now()): string {
  return new Date(Math.floor(nowMs / DAY) * DAY).toISOString();
}

export function resolveSeedParams(options: GenerateSeedOptions = {}): SeedParams {
  const anchor = options.anchor === undefined ? defaultAnchor() : new Date(options.anchor).toISOString();
  return { seed: options.seed ?? 1, partners: options.partners ?? 50, deals: options.deals ?? 2000, anchor };
}

export function generateSeed(options: GenerateSeedOptions = {}): SeedData {
  const params = resolveSeedParams(options);
  const rng = createRng(deriveSeed(params.seed, 'seed-data'));
  const anchorMs = Date.parse(params.anchor);
  const owners = makeOwners(rng, anchorMs);
  const partners = makePartners(rng, params.partners, owners, anchorMs);
  const customers = makeCustomers(rng, Math.max(10, Math.ceil(params.deals / 3)), owners, anchorMs);
  const unknownPartnerIds = ['px1', 'px2'];
  const deals = makeDeals(rng, params.deals, {
    owners,
    partners,
    partnerById: indexById(partners),
    customers,
    unknownPartnerIds,
    anchorMs,
  });
  const contacts = makeContacts(createRng(deriveSeed(params.seed, 'seed-contacts')), partners);
  return { params, owners, partners, customers, deals, contacts, unknownPartnerIds };
}

// ── people and companies ──────────────────────────────────────────────────────────────────────

const FIRST = ['Ada', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kira', 'Liam'];
const LAST = ['Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Walsh'];
const NAME_A = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Massive',
  'Aperture',
  'Black Mesa',
  'Oscorp',
  'Nakatomi',
  'Gringotts',
  'Monarch',
  'Pied Piper',
  'Dunder',
  'Prestige',
  'Sterling',
  'Bluth',
  'Gekko',
  'Rekall',
  'Duff',
  'Virtucon',
  'Octan',
  'Zorg',
];
const NAME_B = ['', ' Global', ' Digital', ' Labs', ' Systems', ' Partners', ' Works', ' Group', ' Cloud', ' Networks'];
const CUSTOMER_SUFFIX = ['Inc', 'LLC', 'GmbH', 'Ltd', 'SA', 'BV', 'Corp', 'KK'];
const PARTNER_SUFFIX = [
  'Consulting',
  'Solutions',
  'Advisors',
  'Integrations',
  'Agency',
  'Resellers',
  'Media',
  'Services',
];
const DEAL_KIND = ['New business', 'Renewal', 'Expansion', 'Upsell', 'Pilot', 'Migration'];

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function makeOwners(rng: Rng, anchorMs: number): SeedOwner[] {
  const owners: SeedOwner[] = [];
  for (let i = 0; i < 10; i++) {
    const firstName = FIRST[i % FIRST.length] ?? 'Sam';
    const lastName = rng.pick(LAST);
    owners.push({
      id: `o${i + 1}`,
      firstName,
      lastName,
      email: `${firstName}.${lastName}@sandbox-crm.example`.toLowerCase(),
      createdAt: iso(anchorMs - rng.int(800, 1500) * DAY),
    });
  }
  return owners;
}

function makePartners(rng: Rng, count: number, owners: readonly SeedOwner[], anchorMs: number): SeedPartner[] {
  const partners: SeedPartner[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${rng.pick(NAME_A)}${rng.pick(NAME_B)} ${rng.pick(PARTNER_SUFFIX)}`;
    // A few partners onboarded in the last weeks and never active (NOT_ACTIVATED); most over 3 years.
    const onboardedMs = i % 17 === 16 ? anchorMs - rng.int(1, 20) * DAY : anchorMs - rng.int(30, 1100) * DAY;
    const ended = rng.chance(0.06) && anchorMs - onboardedMs > 200 * DAY;
    partners.push({
      id: `p${i + 1}`,
      name,
      domain: `${slug(name)}-${i + 1}.example`,
      ownerId: rng.pick(owners).id,
      createdAt: iso(onboardedMs - rng.int(5, 60) * DAY),
      recipe: rng.weighted<RecipeId | null>([
        ['referral', 30],
        ['reseller', 20],
        ['technology', 15],
        ['co-marketing', 12],
        ['co-selling', 10],
        [RETIRED_RECIPE, 5],
        [ANTI_RECIPE, 3],
        [null, 5],
      ]),
      tier: rng.weighted<Tier | null>([
        ['Referral', 50],
        ['Certified', 30],
        ['Premium', 15],
        [null, 5],
      ]),
      onboardedAt: rng.chance(0.03) ? null : iso(onboardedMs),
      endedAt: ended ? iso(anchorMs - rng.int(10, 150) * DAY) : null,
      ratings: scores(rng, RATING_KEYS),
      fit: scores(rng, FIT_KEYS),
    });
  }
  return partners;
}

/** 1–5 mostly; some missing; a few invalid (0, 6, 2.5) as a careless rep types them. */
function scores<K extends string>(rng: Rng, keys: readonly K[]): Record<K, number | null> {
  const out = {} as Record<K, number | null>;
  for (const key of keys) {
    out[key] = rng.weighted<number | null>([
      [1, 6],
      [2, 12],
      [3, 25],
      [4, 25],
      [5, 14],
      [null, 14],
      [0, 1],
      [6, 1],
      [2.5, 1],
    ]);
  }
  return out;
}

const CONTACT_TITLES = ['Partner manager', 'Partner manager', 'Sales engineer', 'Finance', 'Founder'];

/** 0–3 people per partner; the first is usually the partner manager; one in 12 has no e-mail. */
function makeContacts(rng: Rng, partners: readonly SeedPartner[]): SeedContact[] {
  const contacts: SeedContact[] = [];
  for (const p of partners) {
    const count = rng.weighted<number>([
      [0, 1],
      [1, 3],
      [2, 4],
      [3, 2],
    ]);
    for (let i = 0; i < count; i++) {
      const firstName = rng.pick(FIRST);
      const lastName = rng.pick(LAST);
      contacts.push({
        id: `k${contacts.length + 1}`,
        partnerId: p.id,
        firstName,
        lastName,
        email: rng.chance(1 / 12) ? null : `${firstName}.${lastName}@${p.domain}`.toLowerCase(),
        title: i === 0 ? 'Partner manager' : rng.pick(CONTACT_TITLES),
      });
    }
  }
  return contacts;
}

function makeCustomers(rng: Rng, count: number, owners: readonly SeedOwner[], anchorMs: number): SeedCustomer[] {
  const customers: SeedCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${rng.pick(NAME_A)}${rng.pick(NAME_B)} ${rng.pick(CUSTOMER_SUFFIX)}`;
    customers.push({
      id: `c${i + 1}`,
      name,
      domain: `${slug(name)}-${i + 1}.example`,
      ownerId: rng.pick(owners).id,
      createdAt: iso(anchorMs - rng.int(760, 1200) * DAY),
    });
  }
  return customers;
}

// ── deals ─────────────────────────────────────────────────────────────────────────────────────

interface DealContext {
  owners: readonly SeedOwner[];
  partners: readonly SeedPartner[];
  partnerById: ReadonlyMap<string, SeedPartner>;
  customers: readonly SeedCustomer[];
  unknownPartnerIds: readonly string[];
  anchorMs: number;
}

const OPEN_STAGES = SEED_STAGES.filter((s) => s.outcome === 'open');
const WON_STAGE = 'closedwon';
const LOST_STAGE = 'closedlost';

function makeDeals(rng: Rng, count: number, ctx: DealContext): SeedDeal[] {
  const deals: SeedDeal[] = [];
  // Creation dates spread evenly (with jitter) over the two years before the anchor, in id order,
  // as a CRM's ids grow with time; so every close falls within those two years too.
  const startMs = ctx.anchorMs - 729 * DAY;
  const spanMs = ctx.anchorMs - DAY - startMs;
  let conflictTwin: SeedDeal | null = null;
  for (let i = 0; i < count; i++) {
    const createdMs = Math.min(
      ctx.anchorMs - 3_600_000,
      startMs + Math.floor(((i + rng.next()) / Math.max(count, 1)) * spanMs),
    );
    const deal: SeedDeal = conflictTwin
      ? makeConflictTwin(rng, i, conflictTwin, createdMs, ctx)
      : makeDeal(rng, i, createdMs, ctx);
    conflictTwin = null;
    // Conflicting registrations: a second open deal for the same customer, registered by another partner.
    if (
      deal.stage === 'open' &&
      deal.customerId &&
      deal.registration &&
      deal.registration.status !== 'rejected' &&
      rng.chance(0.08)
    )
      conflictTwin = deal;
    deals.push(deal);
  }
  return deals;
}

function makeDeal(rng: Rng, index: number, createdMs: number, ctx: DealContext): SeedDeal {
  const customer = rng.chance(0.985) ? rng.pick(ctx.customers) : null;
  const currency = rng.weighted([
    ['USD', 80],
    ['EUR', 7],
    ['GBP', 5],
    ['CAD', 4],
    ['JPY', 2],
    ['XXX', 1],
    ['BRL', 1],
  ] as const);
  const closeMs = createdMs + rng.int(7, 150) * DAY + rng.int(9, 18) * 3_600_000;
  const { stage, stageId, closedAt } = outcome(rng, closeMs, ctx.anchorMs);
  const source = pickSourcePartner(rng, createdMs, ctx);
  const deal: SeedDeal = {
    id: `d${index + 1}`,
    name: `${customer?.name ?? 'Unnamed prospect'} — ${rng.pick(DEAL_KIND)}`,
    ownerId: rng.pick(ctx.owners).id,
    amount: amountText(rng, currency),
    currency,
    stage,
    stageId,
    createdAt: iso(createdMs),
    closedAt,
    updatedAt: iso(createdMs),
    customerId: customer?.id ?? null,
    recipe: dealRecipe(rng, source, ctx),
    sourcePartnerId: source,
    registration: null,
    influencers: [],
  };
  const endMs = Math.min(closedAt && stage !== 'open' ? Date.parse(closedAt) : ctx.anchorMs, ctx.anchorMs);
  if (source && rng.chance(0.4)) deal.registration = registration(rng, deal, source, createdMs, endMs, ctx);
  deal.influencers = influencers(rng, source, createdMs, endMs, ctx);
  deal.updatedAt = iso(lastChange(deal, createdMs, ctx.anchorMs));
  return deal;
}

function makeConflictTwin(rng: Rng, index: number, first: SeedDeal, createdMs: number, ctx: DealContext): SeedDeal {
  const deal = makeDeal(rng, index, createdMs, ctx);
  const firstPartner = first.registration?.partnerId;
  const others = ctx.partners.filter((p) => p.id !== firstPartner);
  if (others.length === 0) return deal;
  const partner = rng.pick(others).id;
  deal.customerId = first.customerId;
  deal.name = first.name.replace(/ — .*$/, ' — Expansion');
  deal.stage = 'open';
  deal.stageId = rng.pick(OPEN_STAGES).id;
  deal.closedAt = iso(Math.max(createdMs, ctx.anchorMs) + rng.int(10, 90) * DAY);
  deal.sourcePartnerId = partner;
  deal.registration = {
    partnerId: partner,
    status: 'submitted',
    submittedAt: iso(createdMs),
    decidedAt: null,
    expiresAt: null,
  };
  deal.updatedAt = iso(lastChange(deal, createdMs, ctx.anchorMs));
  return deal;
}

function outcome(rng: Rng, closeMs: number, anchorMs: number): Pick<SeedDeal, 'stage' | 'stageId' | 'closedAt'> {
  if (closeMs <= anchorMs && !rng.chance(0.08)) {
    const won = rng.chance(0.42);
    // A few closed deals lost their close date (CLOSE_DATE_MISSING).
    const closedAt = rng.chance(0.003) ? null : iso(closeMs);
    return { stage: won ? 'won' : 'lost', stageId: won ? WON_STAGE : LOST_STAGE, closedAt };
  }
  // Open: expected close in the future, or a stale expected date in the past (8% of past ones).
  return { stage: 'open', stageId: rng.pick(OPEN_STAGES).id, closedAt: iso(closeMs) };
}

function amountText(rng: Rng, currency: string): string {
  const bad = rng.next();
  if (bad < 0.008) return '';
  if (bad < 0.012) return rng.pick(['12,500.00', 'n/a', '1.2e4', '$3000', 'TBD']);
  if (bad < 0.016) return `-${rng.int(100, 9000)}.00`;
  const base = Math.round(Math.exp(rng.next() * 5.3 + 7)); // about 1,100 … 220,000, log-uniform
  if (currency === 'JPY') return String(base * 150);
  const cents = rng.chance(0.3) ? rng.int(1, 99) : 0;
  return cents === 0 && rng.chance(0.5) ? String(base) : `${base}.${String(cents).padStart(2, '0')}`;
}

/** Prolific partners exist: a quadratic skew towards low indexes. Only partners onboarded by then. */
function pickSourcePartner(rng: Rng, createdMs: number, ctx: DealContext): string | null {
  if (ctx.partners.length === 0 || !rng.chance(0.6)) return null;
  if (rng.chance(0.005)) return rng.pick(ctx.unknownPartnerIds);
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = rng.next();
    const partner = ctx.partners[Math.floor(r * r * ctx.partners.length)];
    if (partner?.onboardedAt && Date.parse(partner.onboardedAt) <= createdMs) return partner.id;
  }
  return null;
}

function dealRecipe(rng: Rng, source: string | null, ctx: DealContext): RecipeId | null {
  if (!source) return rng.chance(0.1) ? rng.pick(ACTIVE_RECIPES) : null;
  if (rng.chance(0.04)) return null; // a few partner deals nobody tagged
  const partner = ctx.partnerById.get(source);
  return partner?.recipe ?? rng.pick(ACTIVE_RECIPES);
}

function registration(
  rng: Rng,
  deal: SeedDeal,
  source: string,
  createdMs: number,
  endMs: number,
  ctx: DealContext,
): SeedRegistration {
  // Mostly the sourcing partner registers; sometimes another one (SOURCE_CONFLICT), rarely an unknown one.
  let partnerId = source;
  if (rng.chance(0.08) && ctx.partners.length > 1) partnerId = rng.pick(ctx.partners).id;
  else if (rng.chance(0.005)) partnerId = rng.pick(ctx.unknownPartnerIds);
  const submittedMs = Math.min(createdMs + rng.int(-4 * 24, 24) * 3_600_000, ctx.anchorMs - 3_600_000);
  const status: RegistrationStatus =
    deal.stage === 'open'
      ? rng.weighted([
          ['submitted', 30],
          ['approved', 55],
          ['rejected', 5],
          ['expired', 10],
        ] as const)
      : rng.weighted([
          ['approved', 70],
          ['rejected', 15],
          ['expired', 15],
        ] as const);
  if (status === 'submitted')
    return { partnerId, status, submittedAt: iso(submittedMs), decidedAt: null, expiresAt: null };
  const decidedMs = Math.min(submittedMs + rng.int(4, 120) * 3_600_000, Math.max(endMs, submittedMs));
  // Approved registrations run 90 days; some open deals outlive them (REGISTRATION_EXPIRED/EXPIRING).
  const expiresMs = status === 'rejected' ? null : decidedMs + (status === 'expired' ? rng.int(30, 60) : 90) * DAY;
  return {
    partnerId,
    status,
    submittedAt: iso(submittedMs),
    decidedAt: iso(decidedMs),
    expiresAt: expiresMs === null ? null : iso(expiresMs),
  };
}

function influencers(
  rng: Rng,
  source: string | null,
  createdMs: number,
  endMs: number,
  ctx: DealContext,
): SeedInfluence[] {
  if (ctx.partners.length < 2 || !rng.chance(0.25)) return [];
  const n = rng.weighted([
    [1, 70],
    [2, 25],
    [3, 5],
  ] as const);
  const chosen = new Set<string>();
  for (let k = 0; k < n * 2 && chosen.size < n; k++) {
    const id = rng.chance(0.01) ? rng.pick(ctx.unknownPartnerIds) : rng.pick(ctx.partners).id;
    if (id !== source) chosen.add(id);
  }
  const span = Math.max(endMs - createdMs, 3_600_000);
  return [...chosen]
    .map((partnerId) => ({ partnerId, at: iso(Math.min(createdMs + Math.floor(rng.next() * span), ctx.anchorMs)) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

function lastChange(deal: SeedDeal, createdMs: number, anchorMs: number): number {
  let last = createdMs;
  const bump = (at: string | null | undefined): void => {
    if (!at) return;
    const ms = Date.parse(at);
    if (ms > last && ms <= anchorMs) last = ms;
  };
  if (deal.stage !== 'open') bump(deal.closedAt);
  bump(deal.registration?.submittedAt);
  bump(deal.registration?.decidedAt);
  for (const link of deal.influencers) bump(link.at);
  return last;
}

/** Partners by id, for personalities mapping references (unknown ids are absent). */
export function indexById<T extends { id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}
