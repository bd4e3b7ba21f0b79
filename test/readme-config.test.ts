// The README's configuration reference is generated from the reference rows (core and each
// provider's), and lists exactly the keys the config schema accepts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceRows, withReference } from '../src/config/reference.ts';
import { configSchema } from '../src/config/schema.ts';
import { builtInProviders } from '../src/providers.ts';

interface Node {
  _zod: {
    def: {
      type: string;
      innerType?: Node;
      in?: Node;
      shape?: Record<string, Node>;
      valueType?: Node;
      element?: Node;
      options?: Node[];
    };
  };
}

/** Every key path of the schema: `a.b`, `a.<id>.c` under records, `a[].b` inside arrays. */
function keys(node: Node, prefix: string, out: Set<string>): Set<string> {
  const def = node._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
    case 'readonly':
      if (def.innerType) keys(def.innerType, prefix, out);
      break;
    case 'pipe':
      if (def.in) keys(def.in, prefix, out);
      break;
    case 'union':
      for (const option of def.options ?? []) keys(option, prefix, out);
      break;
    case 'object':
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        out.add(prefix + k);
        keys(v, `${prefix}${k}.`, out);
      }
      break;
    case 'record':
      if (def.valueType) keys(def.valueType, `${prefix}<id>.`, out);
      break;
    case 'array':
      if (def.element) keys(def.element, `${prefix.replace(/\.$/, '')}[].`, out);
      break;
    default:
      break;
  }
  return out;
}

function readmeKeys(): Set<string> {
  const text = readFileSync('README.md', 'utf8');
  const start = text.indexOf('## Configuration reference');
  const end = text.indexOf('\n## ', start + 1);
  // the rows of the key tables only (the providers and environment tables have other headers)
  const tables = text.slice(start, end).split('| key | default | meaning |').slice(1);
  const rows = tables.map((t) => t.split(/\n\n/)[0] ?? '').join('\n');
  return new Set([...rows.matchAll(/^\| `([a-z][\w.<>[\]]*)` \|/gm)].map((m) => m[1] ?? ''));
}

describe('README configuration reference', () => {
  it('is the generated one (npm run docs:config)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(withReference(readme, builtInProviders) === readme, 'run npm run docs:config').toBe(true);
  });

  it('has a row for every key of the config schema, and none the schema lacks', () => {
    const schema = keys(configSchema(builtInProviders), '', new Set());
    const rows = referenceRows(builtInProviders);
    const documented = new Set([...rows.program, ...rows.rest].map((r) => r.key));
    expect([...schema].filter((k) => !documented.has(k)).sort()).toEqual([]);
    expect([...documented].filter((k) => !schema.has(k)).sort()).toEqual([]);
  });

  it('documents every key of the config schema in the README, and no key the schema lacks', () => {
    const schema = keys(configSchema(builtInProviders), '', new Set());
    const readme = readmeKeys();
    expect(schema.size).toBeGreaterThan(100);
    expect([...schema].filter((k) => !readme.has(k)).sort()).toEqual([]);
    expect([...readme].filter((k) => !schema.has(k)).sort()).toEqual([]);
  });
});
