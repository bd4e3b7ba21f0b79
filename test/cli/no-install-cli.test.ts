// The README's CLI commands run the build `npm install` made, with no install or build step
// (issue 17 item 5: the first `npx partnersync …` sat silent for ~20 s while npx reinstalled the
// package and reran its build). The check: README and the demo's hints say `node
// bin/partnersync.js`, never `npx partnersync`, and that command runs with no npm, npx or tsc
// reachable (an empty PATH) and leaves dist/ untouched.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-node.ts';

/** Every file under dir with its modification time. */
function mtimes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(file, statSync(file).mtimeMs);
  }
  return out;
}

describe('the CLI after npm install', () => {
  it('README and the demo point at the built CLI, not npx', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const commands = readme.split('\n').filter((l) => /^(?:[A-Z_]+=\S+ )*(?:npx|node bin\/)/.test(l.trim()));
    expect(commands.some((l) => l.includes('node bin/partnersync.js serve --config config/examples/demo.yaml'))).toBe(
      true,
    );
    expect(commands.filter((l) => l.trim().startsWith('npx'))).toEqual([]);
    expect(readme).not.toMatch(/^\s*npx partnersync/m);
    const demo = readFileSync(path.join(ROOT, 'src/sync/demo.ts'), 'utf8');
    expect(demo).not.toContain('npx partnersync');
    expect(demo).toContain('node bin/partnersync.js serve --config');
  });

  it('node bin/partnersync.js runs with no npm, npx or tsc on the PATH and rebuilds nothing', () => {
    const bin = readFileSync(path.join(ROOT, 'bin/partnersync.js'), 'utf8');
    expect(bin).toContain("await import('../dist/cli/main.js')");
    const before = mtimes(path.join(ROOT, 'dist'));
    expect(before.size).toBeGreaterThan(50);
    for (const args of [['--version'], ['config', 'validate', '--skip-env', '--config', 'config/examples/demo.yaml']]) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/partnersync.js'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: '', HOME: ROOT },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
    expect(mtimes(path.join(ROOT, 'dist'))).toEqual(before);
  });
});
