// The store-backed CredentialVault (src/crm/provider.ts): a rotated Salesforce refresh token is
// kept in the store with the SHA-256 of the configured token it descends from, so a restart uses
// the live token, and an operator who puts a new token in the environment is not overruled.

import { createHash } from 'node:crypto';
import type { CredentialVault } from '../crm/provider.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './deps.ts';

const basisOf = (configured: string): string => createHash('sha256').update(configured, 'utf8').digest('hex');

export function storeCredentials(store: Store, clock: Clock): CredentialVault {
  return {
    async current(name, configured) {
      const stored = await store.credential(name);
      return stored !== null && stored.basis === basisOf(configured) ? stored.value : configured;
    },
    async rotated(name, configured, value) {
      await store.saveCredential(name, { value, basis: basisOf(configured) }, clock.now());
    },
  };
}
