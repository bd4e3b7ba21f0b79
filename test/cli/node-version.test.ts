// The Node.js version gate (issue 17 item 1). On an old Node the CLI prints one line and exits 2
// before loading anything, and `npm install` of the project stops in its preinstall step with the
// same sentence — while `.ci/run`'s own `npm install --prefix .ci/node node@24` (run with the old
// Node to fetch a new one) is not blocked, since it installs into another prefix. The old Node is
// the machine's /usr/bin/node (v20 here and in CI).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-node.ts';

const require = createRequire(import.meta.url);
const { nodeProblem } = require('../../bin/check-node.cjs') as { nodeProblem: (v?: string) => string | null };
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

const OLD_NODE = '/usr/bin/node';
const oldVersion = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
const HAVE_OLD_NODE = /^v(1\d|2[01])\./.test(oldVersion);
const OLD_PATH = `/usr/bin:/bin`;
const SENTENCE =
  /^partnersync needs Node\.js 22\.20\.0 or newer, and this is Node\.js 20\.\d+\.\d+: install Node\.js 24 LTS \(https:\/\/nodejs\.org\/en\/download, or `nvm install 24`\) and run the command again\.\n$/;

describe('the Node.js version gate', () => {
  it('reads the minimum from package.json engines', () => {
    expect(pkg.engines.node).toBe('>=22.20.0');
    expect(nodeProblem('20.20.2')).toContain('needs Node.js 22.20.0 or newer, and this is Node.js 20.20.2');
    expect(nodeProblem('22.19.9')).not.toBeNull();
    expect(nodeProblem('22.20.0')).toBeNull();
    expect(nodeProblem('24.1.0')).toBeNull();
    expect(nodeProblem()).toBeNull(); // the Node running this test
  });

  it.skipIf(!HAVE_OLD_NODE)(
    `the CLI on ${oldVersion || 'an old Node'} prints one line and exits 2, even for --help`,
    () => {
      for (const args of [['--help'], ['sync', '--config', 'nope.yaml']]) {
        const r = spawnSync(OLD_NODE, [path.join(ROOT, 'bin/partnersync.js'), ...args], { encoding: 'utf8' });
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(SENTENCE);
      }
    },
  );

  it.skipIf(!HAVE_OLD_NODE)(
    'npm install stops in preinstall on the old Node; an install into another prefix is not blocked',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-engines-'));
      // the project as npm sees it: its engines, its preinstall script and the check it runs
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(path.join(ROOT, 'bin/check-node.cjs'), path.join(dir, 'bin/check-node.cjs'));
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({
          name: 'partnersync',
          version: '0.0.0',
          engines: pkg.engines,
          scripts: { preinstall: pkg.scripts['preinstall'] },
        }),
      );
      // a local package standing in for node@24 (no network)
      mkdirSync(path.join(dir, 'fake-node'));
      writeFileSync(
        path.join(dir, 'fake-node', 'package.json'),
        JSON.stringify({ name: 'fake-node', version: '24.0.0' }),
      );
      const npm = (args: string[]) =>
        spawnSync('/usr/bin/npm', [...args, '--offline', '--no-audit', '--no-fund'], {
          cwd: dir,
          encoding: 'utf8',
          env: { HOME: dir, PATH: OLD_PATH, npm_config_cache: path.join(dir, '.npm') },
        });

      const install = npm(['install']);
      expect(install.status).not.toBe(0);
      expect(install.stderr).toContain('partnersync needs Node.js 22.20.0 or newer, and this is Node.js 20.');

      // what .ci/run does before switching to Node 24
      const ci = npm(['install', '--prefix', path.join(dir, '.ci', 'node'), '--no-save', path.join(dir, 'fake-node')]);
      expect(ci.stderr).not.toContain('partnersync needs Node.js');
      expect(ci.status).toBe(0);
    },
  );
});
