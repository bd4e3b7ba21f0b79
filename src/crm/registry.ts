// The provider registry: which providers a build knows, looked up by `crm.provider`. The
// built-in list is composed in src/providers.ts (the one place that imports provider folders);
// tests add their own with `with()`.

import type { ConfigBlock, CrmProvider, EnvVariable } from './provider.ts';

export class ProviderRegistry {
  readonly #providers: ReadonlyMap<string, CrmProvider>;

  constructor(providers: readonly CrmProvider[]) {
    const map = new Map<string, CrmProvider>();
    for (const p of providers) {
      if (map.has(p.name)) throw new Error(`two providers are named ${p.name}`);
      map.set(p.name, p);
    }
    this.#providers = map;
  }

  /** A registry with one more provider. */
  with(provider: CrmProvider): ProviderRegistry {
    return new ProviderRegistry([...this.#providers.values(), provider]);
  }

  get(name: string): CrmProvider | undefined {
    return this.#providers.get(name);
  }

  names(): string[] {
    return [...this.#providers.keys()];
  }

  all(): readonly CrmProvider[] {
    return [...this.#providers.values()];
  }

  /** Every `crm:` block of every provider, once (providers may share a block object). */
  blocks(): ConfigBlock[] {
    const byKey = new Map<string, ConfigBlock>();
    for (const p of this.#providers.values()) {
      for (const b of p.blocks) {
        const seen = byKey.get(b.key);
        if (seen !== undefined && seen !== b) throw new Error(`two different crm.${b.key} blocks are registered`);
        byKey.set(b.key, b);
      }
    }
    return [...byKey.values()];
  }

  /** Every environment variable a provider reads, once. */
  envVariables(): EnvVariable[] {
    const byName = new Map<string, EnvVariable>();
    for (const p of this.#providers.values()) for (const v of p.env) byName.set(v.name, byName.get(v.name) ?? v);
    return [...byName.values()];
  }
}
