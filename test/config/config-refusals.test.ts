// Every refusal of the configuration — the file, its YAML, the environment — exits 2 with a
// message naming what to fix, never 1 with a stack trace (issue 16, finding 7).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ps-refusals-'));
let n = 0;
function file(yaml: string): string {
  const f = path.join(dir, `c${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

/** "A billion laughs": nine levels of nine aliases each expand to 9^9 strings. */
const ALIAS_BOMB = [
  'program:',
  '  currency: USD',
  'x:',
  '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => {
    const prev = 'abcdefghi'[i] ?? 'a';
    return `  ${k}: &${k} [${Array.from({ length: 9 }, () => `*${prev}`).join(',')}]`;
  }),
  '',
].join('\n');

const noStack = (stderr: string): void => {
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe('config refusals exit 2', () => {
  it('refuses a YAML alias bomb with exit 2, naming the aliases', async () => {
    const f = file(ALIAS_BOMB);
    for (const args of [
      ['config', 'validate', '--config', f],
      ['compute', '--config', f, '--snapshot', f, '--out', dir],
    ]) {
      const r = await runCli(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toMatch(/alias/i);
      noStack(r.stderr);
    }
  });

  it('refuses a sync without a crm section with exit 2', async () => {
    const f = file(`program:\n  currency: USD\nstore: { url: "sqlite:${path.join(dir, 'nocrm.db')}" }\n`);
    const r = await runCli(['sync', '--config', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('crm');
    noStack(r.stderr);
  });

  it('refuses a DATABASE_URL that is not SQLite or PostgreSQL with exit 2, without echoing it', async () => {
    const f = file('program:\n  currency: USD\ncrm: { provider: sandbox-hubspot }\n');
    const r = await runCli(['sync', '--config', f], { DATABASE_URL: 'mysql://user:s3cret-pass@db.example/ps' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL');
    expect(r.stderr).not.toContain('s3cret-pass');
    noStack(r.stderr);
  });

  it('refuses malformed PARTNERSYNC_TOKENS with exit 2 before serving anything', async () => {
    const f = file(
      `program:\n  currency: USD\ncrm: { provider: sandbox-hubspot, sandbox: { partners: 0, deals: 0 } }\nstore: { url: "sqlite:${path.join(dir, 'tokens.db')}" }\n`,
    );
    const r = await runCli(['serve', '--config', f, '--port', '0', '--no-scheduler'], {
      PARTNERSYNC_TOKENS: 'root:a-token-that-is-long-enough',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PARTNERSYNC_TOKENS');
    expect(r.stderr).not.toContain('a-token-that-is-long-enough');
    noStack(r.stderr);
  });
});
