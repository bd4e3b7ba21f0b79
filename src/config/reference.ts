// The README's configuration reference, generated (`npm run docs:config`) from the rows below and
// the rows each registered provider contributes for its blocks and environment variables; a test
// keeps the README and the config schema in step with it. Core rows hold no provider names.

import { CORE_ENV } from './env.ts';
import type { ReferenceRow } from '../crm/provider.ts';
import type { ProviderRegistry } from '../crm/registry.ts';

const PROGRAM_ROWS: readonly ReferenceRow[] = [
  { key: 'program', default: 'required', meaning: 'the partner program: currency, attribution, plans, recipes' },
  {
    key: 'program.currency',
    default: 'required',
    meaning: 'base currency (ISO 4217) of revenue, commissions and exports',
  },
  { key: 'program.timezone', default: '`UTC`', meaning: 'IANA zone; periods are calendar months in this zone' },
  { key: 'program.grossMarginBps', default: '`10000`', meaning: 'share of revenue counted as return in ROI' },
  {
    key: 'program.exchangeRates',
    default: '`{}`',
    meaning: '`CUR: "rate"` or dated `[{ from: YYYY-MM-DD, rate }]`: 1 CUR = rate base units',
  },
  { key: 'program.exchangeRates.<id>[].from', default: '—', meaning: 'local date the rate applies from' },
  { key: 'program.exchangeRates.<id>[].rate', default: '—', meaning: 'decimal rate, not negative' },
  { key: 'program.attribution', default: '—', meaning: 'how deals credit partners' },
  {
    key: 'program.attribution.model',
    default: '`sourced`',
    meaning: '`sourced`, `first_touch`, `last_touch`, `linear`, `position_based`, `time_decay`',
  },
  { key: 'program.attribution.halfLifeDays', default: '`7`', meaning: 'time decay only' },
  { key: 'program.health', default: '—', meaning: 'health score settings' },
  {
    key: 'program.health.weights',
    default: '30/25/20/15/10',
    meaning: 'component weights; a map replaces the defaults as a whole, a missing component weighs 0',
  },
  {
    key: 'program.health.weights.revenue',
    default: '`30`',
    meaning: "attribution in the last 90 days against the recipe's quarterly target",
  },
  {
    key: 'program.health.weights.activity',
    default: '`25`',
    meaning: 'recency of registrations, sourced deals and touches',
  },
  {
    key: 'program.health.weights.conversion',
    default: '`20`',
    meaning: "365-day win rate against the recipe's benchmark",
  },
  {
    key: 'program.health.weights.pipeline',
    default: '`15`',
    meaning: 'open sourced pipeline against the quarterly target',
  },
  { key: 'program.health.weights.relationship', default: '`10`', meaning: "the reps' 1–5 ratings" },
  { key: 'program.health.bands', default: '—', meaning: 'band thresholds' },
  { key: 'program.health.bands.healthy', default: '`80`', meaning: 'score at or above: `healthy`' },
  { key: 'program.health.bands.watch', default: '`60`', meaning: 'score at or above: `watch`; below: `at_risk`' },
  { key: 'program.alerts', default: '—', meaning: 'alert thresholds (docs/finance-rules.md §8)' },
  { key: 'program.alerts.inactiveDays', default: '`90`', meaning: 'INACTIVE after this long without activity' },
  {
    key: 'program.alerts.notActivatedDays',
    default: '`90`',
    meaning: 'NOT_ACTIVATED this long after onboarding without activity',
  },
  {
    key: 'program.alerts.registrationPendingDays',
    default: '`3`',
    meaning: 'REGISTRATION_PENDING after this long undecided',
  },
  {
    key: 'program.alerts.registrationExpiringDays',
    default: '`7`',
    meaning: 'REGISTRATION_EXPIRING this long before expiry',
  },
  {
    key: 'program.alerts.recipeUnusedDays',
    default: '`180`',
    meaning: 'RECIPE_UNUSED after this long without a new deal',
  },
  {
    key: 'program.alerts.lowWinRateFactor',
    default: '`0.5`',
    meaning: 'LOW_WIN_RATE below this share of the benchmark',
  },
  {
    key: 'program.alerts.minClosedForWinRate',
    default: '`5`',
    meaning: 'closed deals needed before a win rate counts',
  },
  { key: 'program.fit', default: '—', meaning: 'partner fit scoring' },
  {
    key: 'program.fit.criteria',
    default: 'strategic 3, value 3, reach 2, operations 2, readiness 1',
    meaning: 'criterion weights (a map replaces the defaults); each becomes a `partner_fit_<name>` CRM field',
  },
  { key: 'program.fit.bands', default: '—', meaning: 'fit bands' },
  { key: 'program.fit.bands.pursue', default: '`50`', meaning: 'score at or above: `pursue`' },
  { key: 'program.fit.bands.consider', default: '`35`', meaning: 'score at or above: `consider`; below: `monitor`' },
  { key: 'program.plans', default: '`{}`', meaning: 'commission plans by id' },
  { key: 'program.plans.<id>.type', default: 'required', meaning: '`percent`, `flat` or `fixed_fee`' },
  {
    key: 'program.plans.<id>.rateBps',
    default: '—',
    meaning: 'percent: the rate (1000 = 10%) unless `tiers` are given',
  },
  {
    key: 'program.plans.<id>.tiers',
    default: '—',
    meaning:
      "percent: `[{ name, minWonDeals, rateBps }]`, ascending, the first at 0; the rate of the last tier whose minimum the partner's sourced wins of the past 365 days reach",
  },
  { key: 'program.plans.<id>.tiers[].name', default: '—', meaning: 'tier name, shown to reps' },
  {
    key: 'program.plans.<id>.tiers[].minWonDeals',
    default: '—',
    meaning: 'won deals sourced in the 365 days before the close',
  },
  { key: 'program.plans.<id>.tiers[].rateBps', default: '—', meaning: "the tier's rate" },
  { key: 'program.plans.<id>.schedule', default: '`upfront`', meaning: 'percent: `upfront` or `monthly`' },
  { key: 'program.plans.<id>.months', default: '—', meaning: 'percent, monthly: number of instalments (required)' },
  { key: 'program.plans.<id>.bands', default: '—', meaning: 'flat: `[{ minAmount, fee }]`, ascending by minAmount' },
  {
    key: 'program.plans.<id>.bands[].minAmount',
    default: '—',
    meaning: 'smallest deal amount (base currency) for the fee',
  },
  { key: 'program.plans.<id>.bands[].fee', default: '—', meaning: "the fee, shared by the deal's attribution" },
  {
    key: 'program.plans.<id>.monthlyFee',
    default: '—',
    meaning: 'fixed_fee: paid monthly from onboarding to the end of the partnership',
  },
  {
    key: 'program.plans.<id>.holdDays',
    default: '`0`',
    meaning: 'days after the close (or onboarding) before an entry is payable',
  },
  {
    key: 'program.plans.<id>.clawbackDays',
    default: '`90`',
    meaning: 'percent and flat: how long after the close a reversal is still clawed back',
  },
  { key: 'program.plans.<id>.capPerDeal', default: '—', meaning: 'percent and flat: most one attribution row earns' },
  { key: 'program.recipes', default: '`{}`', meaning: 'the recipe box, by id' },
  { key: 'program.recipes.<id>.name', default: 'the id', meaning: 'display name' },
  {
    key: 'program.recipes.<id>.archetype',
    default: '`other`',
    meaning:
      '`referral`, `reseller`, `co_marketing`, `technology_integration`, `co_selling`, `strategic_alliance`, `other`',
  },
  {
    key: 'program.recipes.<id>.status',
    default: '`active`',
    meaning: '`active`, `retired` or `anti` (ANTI_RECIPE alerts on won deals)',
  },
  { key: 'program.recipes.<id>.plan', default: '—', meaning: 'the plan it pays; none pays nothing per deal' },
  { key: 'program.recipes.<id>.monthlyCost', default: '`"0"`', meaning: 'program cost per partner per month, for ROI' },
  { key: 'program.recipes.<id>.targets', default: '—', meaning: 'targets' },
  {
    key: 'program.recipes.<id>.targets.quarterlyRevenue',
    default: '—',
    meaning: 'for the revenue and pipeline health components',
  },
  { key: 'program.recipes.<id>.benchmarks', default: '—', meaning: 'benchmarks' },
  {
    key: 'program.recipes.<id>.benchmarks.winRate',
    default: '—',
    meaning: 'for the conversion component and LOW_WIN_RATE',
  },
  {
    key: 'program.recipes.<id>.healthWeights',
    default: 'program weights',
    meaning: "replaces the program's health weights for this recipe's partners",
  },
  { key: 'program.recipes.<id>.healthWeights.revenue', default: '—', meaning: 'as `program.health.weights.revenue`' },
  { key: 'program.recipes.<id>.healthWeights.activity', default: '—', meaning: 'as `program.health.weights.activity`' },
  {
    key: 'program.recipes.<id>.healthWeights.conversion',
    default: '—',
    meaning: 'as `program.health.weights.conversion`',
  },
  { key: 'program.recipes.<id>.healthWeights.pipeline', default: '—', meaning: 'as `program.health.weights.pipeline`' },
  {
    key: 'program.recipes.<id>.healthWeights.relationship',
    default: '—',
    meaning: 'as `program.health.weights.relationship`',
  },
  { key: 'program.recipes.<id>.whenToUse', default: '—', meaning: 'guidance text' },
  { key: 'program.recipes.<id>.whenNotToUse', default: '—', meaning: 'guidance text' },
];

const CRM_ROWS: readonly ReferenceRow[] = [
  { key: 'crm', default: '—', meaning: 'which CRM and how to read it (needed by everything but `compute`)' },
  { key: 'crm.provider', default: 'required', meaning: '' },
  { key: 'crm.partners', default: "the provider's own", meaning: 'which CRM records are partners' },
  {
    key: 'crm.partners.where',
    default: '—',
    meaning: 'field → value that marks a partner record, e.g. `{ type: PARTNER }` or `{ IsPartner: true }`',
  },
  { key: 'crm.mappings', default: '`{}`', meaning: 'canonical field → an existing CRM field' },
  { key: 'crm.mappings.<id>.field', default: '—', meaning: 'the CRM field (property or API name) holding the value' },
  {
    key: 'crm.mappings.<id>.values',
    default: '—',
    meaning: 'CRM value → canonical value, e.g. `{ "Partner referral": referral }`',
  },
  { key: 'crm.stages', default: '—', meaning: 'stage mapping' },
  {
    key: 'crm.stages.overrides',
    default: '`{}`',
    meaning: "stage id or name → `open`, `won` or `lost`, overriding the CRM's stage metadata",
  },
];

const CORE_ROWS: readonly ReferenceRow[] = [
  { key: 'sync', default: '—', meaning: 'scheduled syncs (`serve`)' },
  { key: 'sync.schedule', default: '`*/15 * * * *`', meaning: 'incremental sync, cron in the program time zone' },
  {
    key: 'sync.fullRefresh',
    default: '`0 3 * * *`',
    meaning: 're-reads links that change without bumping modified dates',
  },
  {
    key: 'sync.workerMaxHeapMb',
    default: '—',
    meaning:
      "`serve`'s sync worker thread: JS heap limit in MiB (128–262144); a run that needs more is recorded failed and its lock freed, the service goes on",
  },
  { key: 'store', default: '—', meaning: 'the database' },
  {
    key: 'store.url',
    default: '`sqlite:./data/partnersync.db`',
    meaning: 'SQLite file, or `postgres://…`; `DATABASE_URL` wins when set',
  },
  {
    key: 'store.lockWaitSeconds',
    default: '`0`',
    meaning: 'how long a sync waits for another sync of the same account (0: refuse at once)',
  },
  {
    key: 'store.writeBatchSize',
    default: '`1000`',
    meaning:
      "records handed to the adapter per write-back call; it sends them in the CRM's largest batches, so keep it a multiple of those (1000 suits every built-in CRM)",
  },
  { key: 'server', default: '—', meaning: '`serve`' },
  { key: 'server.port', default: '`8080`', meaning: 'listen port (`PORT` wins)' },
  {
    key: 'server.host',
    default: '`127.0.0.1`',
    meaning:
      'address to bind (`HOST` wins): loopback only by default; `0.0.0.0` for every interface (the Dockerfile sets it)',
  },
  {
    key: 'server.publicUrl',
    default: '—',
    meaning: 'the public URL webhook senders call, when a proxy stands in front (webhook signatures cover it)',
  },
  {
    key: 'server.trustProxy',
    default: '`false`',
    meaning: 'express "trust proxy": hops to trust for `X-Forwarded-*` (client address for rate limits, protocol)',
  },
  {
    key: 'server.rateLimitPerMinute',
    default: '`600`',
    meaning: "requests per minute per valid token; requests without one share their client address's budget",
  },
  {
    key: 'notifications',
    default: '—',
    meaning: 'e-mail, Slack and webhook notifications (see Notifications); none without it',
  },
  { key: 'notifications.channels', default: '`{}`', meaning: 'channels by id (lower case, digits, `-`, `_`)' },
  { key: 'notifications.channels.<id>.type', default: 'required', meaning: '`email`, `slack` or `webhook`' },
  { key: 'notifications.channels.<id>.from', default: 'required (email)', meaning: 'the sender, `Name <address>`' },
  { key: 'notifications.channels.<id>.smtp', default: 'required (email)', meaning: 'the SMTP server' },
  { key: 'notifications.channels.<id>.smtp.host', default: 'required', meaning: 'host name' },
  { key: 'notifications.channels.<id>.smtp.port', default: '`587`', meaning: 'port' },
  {
    key: 'notifications.channels.<id>.smtp.secure',
    default: '`false`',
    meaning: 'TLS from the first byte (port 465); otherwise STARTTLS when offered',
  },
  { key: 'notifications.channels.<id>.smtp.user', default: '—', meaning: 'user name, when the server wants one' },
  {
    key: 'notifications.channels.<id>.smtp.passwordEnv',
    default: '—',
    meaning: 'name of the environment variable holding the password',
  },
  {
    key: 'notifications.channels.<id>.webhookUrlEnv',
    default: '—',
    meaning: 'slack: name of the variable holding the incoming-webhook URL',
  },
  {
    key: 'notifications.channels.<id>.tokenEnv',
    default: '—',
    meaning: 'slack: name of the variable holding a bot token (`xoxb-…`), instead of a webhook',
  },
  {
    key: 'notifications.channels.<id>.channel',
    default: '—',
    meaning: 'slack with a bot token: the channel id or `#name`',
  },
  {
    key: 'notifications.channels.<id>.apiUrl',
    default: '`https://slack.com/api/`',
    meaning: "slack with a bot token: the Web API's base URL (GovSlack)",
  },
  { key: 'notifications.channels.<id>.url', default: 'required (webhook)', meaning: 'the endpoint' },
  {
    key: 'notifications.channels.<id>.secretEnv',
    default: 'required (webhook)',
    meaning: "name of the variable holding the endpoint's signing secret",
  },
  {
    key: 'notifications.channels.<id>.timeoutSeconds',
    default: '`10`',
    meaning: 'webhook: how long the endpoint may take to answer',
  },
  { key: 'notifications.routes', default: '`[]`', meaning: 'which events go where' },
  { key: 'notifications.routes[].events', default: 'required', meaning: 'event types (see Notifications)' },
  { key: 'notifications.routes[].codes', default: 'every code', meaning: 'alert events: only these codes' },
  {
    key: 'notifications.routes[].severities',
    default: 'every severity',
    meaning: 'alert events: only these severities',
  },
  { key: 'notifications.routes[].channel', default: 'required', meaning: 'a channel id' },
  {
    key: 'notifications.routes[].to',
    default: 'required (email)',
    meaning: 'e-mail channels: addresses, `owner`, `finance`, `partner-contacts`',
  },
  {
    key: 'notifications.routes[].mode',
    default: '`immediate`',
    meaning: '`immediate`, or `digest`: one message per recipient per day',
  },
  { key: 'notifications.finance', default: '`[]`', meaning: 'the addresses `finance` stands for' },
  {
    key: 'notifications.partnerContacts',
    default: 'every contact with an e-mail',
    meaning: 'which CRM contacts of a partner record are its contacts',
  },
  {
    key: 'notifications.partnerContacts.where',
    default: '`{}`',
    meaning: 'the CRM contact field → value, e.g. `{ jobtitle: Partner manager }`',
  },
  {
    key: 'notifications.digestHour',
    default: '`8`',
    meaning: 'local hour (program time zone) at which digests go out',
  },
  {
    key: 'notifications.retryHours',
    default: '`24`',
    meaning: 'how long a failing delivery is retried before it is given up',
  },
  { key: 'auth', default: '—', meaning: 'dashboard sign-in' },
  {
    key: 'auth.tokenSignIn',
    default: '`true`',
    meaning: 'the API-token sign-in form; `false` needs `auth.sso` (API tokens keep working)',
  },
  { key: 'auth.sso', default: '—', meaning: 'single sign-on with an OpenID Connect provider' },
  {
    key: 'auth.sso.issuer',
    default: 'required',
    meaning: 'the issuer URL (its `/.well-known/openid-configuration` is read at the first sign-in)',
  },
  { key: 'auth.sso.clientId', default: 'required', meaning: 'the client id registered for partnersync' },
  {
    key: 'auth.sso.clientSecretEnv',
    default: '—',
    meaning: 'name of the variable holding the client secret; without it a public client (PKCE)',
  },
  {
    key: 'auth.sso.scopes',
    default: '`[openid, email, profile]`',
    meaning: 'scopes asked for (add the one that releases the role claim, e.g. `groups`)',
  },
  { key: 'auth.sso.roleClaim', default: '`groups`', meaning: "the ID-token claim holding the user's groups or roles" },
  {
    key: 'auth.sso.roles',
    default: 'none',
    meaning: 'claim values per role; the highest role any value maps to wins, none is refused',
  },
  { key: 'auth.sso.roles.viewer', default: '`[]`', meaning: 'values that make a viewer' },
  { key: 'auth.sso.roles.finance', default: '`[]`', meaning: 'values that make finance' },
  { key: 'auth.sso.roles.admin', default: '`[]`', meaning: 'values that make an admin' },
  {
    key: 'auth.sso.redirectUrl',
    default: "`server.publicUrl` (else the request's origin) + `/ui/sso/callback`",
    meaning: 'the callback URL registered at the provider',
  },
  { key: 'auth.sso.displayName', default: '`your company account`', meaning: 'shown on the button, "Sign in with …"' },
  {
    key: 'registrations',
    default: '—',
    meaning: 'partner users and deal registration (see Partner users); the partner pages are off without it',
  },
  {
    key: 'registrations.emailChannel',
    default: 'required',
    meaning: 'the e-mail channel (`notifications.channels.<id>`) that sends sign-in links and decisions',
  },
  {
    key: 'registrations.protectionDays',
    default: '`90`',
    meaning: "days an approval protects the partner's claim (expiry set at approval)",
  },
  {
    key: 'registrations.perUserPerHour',
    default: '`20`',
    meaning: 'registrations one partner user may submit per hour',
  },
  { key: 'registrations.signInLinkHours', default: '`24`', meaning: 'how long a sign-in link stays valid (used once)' },
  { key: 'registrations.newDeal', default: '—', meaning: 'where a deal created for a registration starts' },
  {
    key: 'registrations.newDeal.pipeline',
    default: 'the default pipeline',
    meaning: 'pipeline id (HubSpot)',
  },
  {
    key: 'registrations.newDeal.stage',
    default: 'first open stage (Salesforce: `Prospecting`)',
    meaning: 'stage id (HubSpot) or StageName (Salesforce)',
  },
  { key: 'registrations.newDeal.ownerId', default: "the CRM's default", meaning: 'CRM user id that owns new deals' },
  {
    key: 'registrations.newDeal.name',
    default: '`{company} (via {partner})`',
    meaning: 'deal name template; `{company}` is required, `{partner}` optional',
  },
  { key: 'finance', default: '—', meaning: 'payout runs, payee details and PDF statements (issue 20)' },
  { key: 'finance.payouts', default: '—', meaning: 'what a payout run pays' },
  {
    key: 'finance.payouts.minimum',
    default: '`"0"`',
    meaning: 'a partner whose payable balance is below this (program currency) waits for a later run',
  },
  {
    key: 'finance.payouts.holdPartners',
    default: '`[]`',
    meaning: 'partner ids whose payouts are held; their balances wait',
  },
  { key: 'finance.payees', default: '—', meaning: 'payee details (bank accounts), stored encrypted' },
  {
    key: 'finance.payees.keyEnv',
    default: 'required',
    meaning: 'NAME of the variable holding the 32-byte AES-256-GCM key (64 hex characters or base64)',
  },
  { key: 'finance.statements', default: '—', meaning: 'PDF statements e-mailed to partner contacts' },
  { key: 'finance.statements.emailOnClose', default: '`false`', meaning: 'when a month is closed' },
  {
    key: 'finance.statements.emailOnPayoutApproval',
    default: '`false`',
    meaning: 'when a payout run paying the partner is approved',
  },
  {
    key: 'finance.statements.channel',
    default: '—',
    meaning: 'the e-mail channel (a key of `notifications.channels`) to send them through',
  },
];

/** Every documented key with its default and meaning, in README order. */
export function referenceRows(providers: ProviderRegistry): { program: ReferenceRow[]; rest: ReferenceRow[] } {
  const providerLine = `which CRM: ${providers
    .names()
    .map((n) => `\`${n}\``)
    .join(', ')} (see "CRM providers" below)`;
  const crm = CRM_ROWS.map((r) => (r.key === 'crm.provider' ? { ...r, meaning: providerLine } : r));
  const blocks = providers
    .blocks()
    .flatMap((b) => b.reference.map((r) => ({ ...r, key: r.key === '' ? `crm.${b.key}` : `crm.${b.key}.${r.key}` })));
  return { program: [...PROGRAM_ROWS], rest: [...crm, ...blocks, ...CORE_ROWS] };
}

const table = (head: string, rows: readonly string[]): string => `${head}\n${rows.join('\n')}\n`;

function keyTable(rows: readonly ReferenceRow[]): string {
  return table(
    '| key | default | meaning |\n|---|---|---|',
    rows.map((r) => `| \`${r.key}\` | ${r.default} | ${r.meaning} |`),
  );
}

/** The generated part of the README's "Configuration reference" section. */
export function configReferenceMarkdown(providers: ProviderRegistry): string {
  const { program, rest } = referenceRows(providers);
  const env = [...CORE_ENV, ...providers.envVariables()];
  return [
    '### `program` — the finance contract (`docs/finance-rules.md` §1.1)\n',
    keyTable(program),
    'Money is a quoted decimal (`"1250.00"`). A plain YAML number is accepted when it has at most\n' +
      '15 significant digits (so the YAML parser cannot have rounded it).\n',
    '### `crm`, `sync`, `store`, `server`\n',
    keyTable(rest),
    '### CRM providers\n',
    table(
      '| `crm.provider` | connects to | reads |\n|---|---|---|',
      providers
        .all()
        .map((p) => `| \`${p.name}\` | ${p.description} | ${p.blocks.map((b) => `\`crm.${b.key}\``).join(', ')} |`),
    ),
    '### Environment\n',
    table(
      '| variable | secret | used for |\n|---|---|---|',
      env.map((v) => `| \`${v.name}\` | ${v.secret ? 'yes' : 'no'} | ${v.meaning} |`),
    ),
    'The config also names secret variables of its own in its `*Env` keys (SMTP password, Slack webhook URL or\n' +
      'bot token, webhook signing secrets, the OIDC client secret). Secrets are read only from the environment;\n' +
      'their values are redacted from logs wherever they appear.',
  ].join('\n');
}

export const REFERENCE_START =
  '<!-- config-reference: generated by `npm run docs:config`; edit src/config/reference.ts -->';
export const REFERENCE_END = '<!-- /config-reference -->';

/** The README with its generated section replaced. */
export function withReference(readme: string, providers: ProviderRegistry): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error('README.md lacks the config-reference markers');
  return `${readme.slice(0, start + REFERENCE_START.length)}\n\n${configReferenceMarkdown(providers)}\n${readme.slice(end)}`;
}
