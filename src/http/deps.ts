// What the HTTP layer receives (docs/architecture.md habit 5): createApp(deps) and every route
// group take this one object, so tests pass their own store, clock, tokens and receivers.

import type { LoadedConfig } from '../config/load.ts';
import type { HttpReceiver } from '../crm/events.ts';
import type { CrmAdapter } from '../crm/port.ts';
import type { Logger } from '../log.ts';
import type { PortalMailer } from '../notify/portal-mail.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../sync/deps.ts';
import type { SyncService } from '../sync/sync-service.ts';
import type { TokenEntry } from './auth.ts';
import type { Metrics } from './metrics.ts';
import type { OidcSignIn } from './sso/oidc-sign-in.ts';

export interface Readiness {
  store: boolean;
  crm: boolean;
}

export interface AppDeps {
  config: LoadedConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  tokens: readonly TokenEntry[];
  /** The CRM account the service syncs (store rows are scoped by it). */
  account: () => Promise<string>;
  syncs: SyncService;
  /** Store and CRM reachability, for /readyz. */
  readiness: () => Promise<Readiness>;
  /** The provider's webhook receivers, mounted under /v1/webhooks/ (no token: they verify signatures). */
  receivers: readonly HttpReceiver[];
  /** Requests per minute per token (or per address without one). */
  rateLimitPerMinute?: number;
  /** Secret that signs dashboard session cookies (default: random per process). */
  sessionSecret?: string;
  /** Dashboard sign-in with the company's identity provider (auth.sso). */
  sso?: OidcSignIn | undefined;
  /** The CRM adapter, for partners' deal registrations (issue 19); without it the form says it is unavailable. */
  crm?: CrmAdapter | undefined;
  /** Sends partner users their sign-in links (registrations.emailChannel). */
  mailer?: PortalMailer | null | undefined;
}
