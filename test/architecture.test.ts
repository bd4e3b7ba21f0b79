// The dependency rules of eslint.config.js (docs/architecture.md "Layers") fire: each case is
// code that breaks one rule, linted as if it stood in the file named. Madge's cycle check runs
// in `npm run check` (npm run deps).
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// loaded by URL: the config is plain JavaScript, without type declarations
const configUrl = new URL('../eslint.config.js', import.meta.url).href;
const projectConfig = ((await import(configUrl)) as { default: Linter.Config[] }).default;

/** The project's own import rules, with the TypeScript parser but without type information (fast). */
const ruleNames = ['no-restricted-imports', 'no-restricted-properties'];
const importRules: Linter.Config[] = [
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
  ...projectConfig.flatMap((c): Linter.Config[] => {
    const rules = Object.fromEntries(Object.entries(c.rules ?? {}).filter(([name]) => ruleNames.includes(name)));
    if (Object.keys(rules).length === 0) return [];
    return [{ ...(c.files ? { files: c.files } : {}), ...(c.ignores ? { ignores: c.ignores } : {}), rules }];
  }),
];
const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: importRules });

async function restrictions(filePath: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-properties')
    .map((m) => m.message);
}

describe('dependency rules', () => {
  it('core code reaches a CRM only through the registry and the contract', async () => {
    const bad = "import { hubspotLinks } from '../crm/hubspot/links.ts';\nexport const x = hubspotLinks;\n";
    expect(await restrictions('src/http/errors.ts', bad)).toEqual([expect.stringContaining('src/providers.ts')]);
    const sandbox = "import { startSandbox } from '../sandbox/server.ts';\nexport const x = startSandbox;\n";
    expect(await restrictions('src/sync/demo.ts', sandbox)).toEqual([expect.stringContaining('emulator')]);
    const ok = "import type { CrmProvider } from '../crm/provider.ts';\nexport type X = CrmProvider;\n";
    expect(await restrictions('src/http/errors.ts', ok)).toEqual([]);
  });

  it('connector code does not import the emulator', async () => {
    const bad = "import { startSandbox } from '../../sandbox/server.ts';\nexport const x = startSandbox;\n";
    expect(await restrictions('src/crm/salesforce/links.ts', bad)).toEqual([expect.stringContaining('emulator')]);
  });

  it('the pure planners take no I/O, clock or randomness', async () => {
    const bad =
      "import { randomUUID } from 'node:crypto';\nexport const x = randomUUID();\nexport const y = Date.now();\n";
    expect(await restrictions('src/ledger/plan.ts', bad)).toHaveLength(2);
    const store = "import { openStore } from '../store/open-store.ts';\nexport const x = openStore;\n";
    expect(await restrictions('src/sync/alert-episodes.ts', store)).toHaveLength(1);
    const typeOnly = "import type { Store } from '../store/store.ts';\nexport type X = Store;\n";
    expect(await restrictions('src/sync/write-back.ts', typeOnly)).toEqual([]);
  });
});
