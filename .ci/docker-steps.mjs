// CI has no Docker engine, so this script keeps the Dockerfile honest by executing its
// instructions outside Docker: each stage gets its own root folder, WORKDIR/COPY/RUN/ENV run
// there (paths under / are mapped into the stage root), COPY --from copies between stages.
// Then the final stage is started with its ENTRYPOINT + CMD and its HEALTHCHECK command must
// pass. It also checks the image's promises: Node 24 slim base, a non-root USER, a volume.
//
// Usage: node .ci/docker-steps.mjs [Dockerfile]

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dockerfile = path.resolve(repo, process.argv[2] ?? 'Dockerfile');
const work = mkdtempSync(path.join(tmpdir(), 'docker-steps-'));

function fail(message) {
  console.error(`docker-steps: ${message}`);
  process.exit(1);
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text) {
  const out = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const m = /^\s*(\w+)\s+(.*)$/s.exec(current);
    if (m) out.push({ op: m[1].toUpperCase(), arg: m[2].trim() });
    current = '';
  }
  return out;
}

const stages = new Map();
let stage = null;
const images = [];

/** A path inside the image, mapped into the stage's root folder. */
const inRoot = (root, p) => path.join(root, p.startsWith('/') ? p : path.join(stage.workdir, p));
const mapValue = (root, v) => v.replace(/(^|[\s=:])\/(app|data|config)\b/g, (_m, pre, dir) => `${pre}${root}/${dir}`);

// Outside Docker the image's users (e.g. `node`) do not exist: ownership changes are reported,
// not applied; USER is checked separately below.
const NO_CHOWN = 'chown() { echo "  (chown $* applies inside the image only)"; }; ';

function run(cmd, cwd, env) {
  console.log(`  $ ${cmd}`);
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', NO_CHOWN + cmd], { cwd, env, stdio: 'inherit' });
  if (r.status !== 0) fail(`RUN failed (${r.status}): ${cmd}`);
}

for (const { op, arg } of instructions(readFileSync(dockerfile, 'utf8'))) {
  if (op === 'FROM') {
    const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(arg);
    if (!m) fail(`cannot read FROM ${arg}`);
    images.push(m[1]);
    const name = m[2] ?? `stage${stages.size}`;
    const base = stages.get(m[1]);
    const root = path.join(work, name);
    mkdirSync(root, { recursive: true });
    if (base) cpSync(base.root, root, { recursive: true });
    stage = { name, root, workdir: '/', env: { ...(base?.env ?? {}) }, user: 'root', cmd: null, entrypoint: null, healthcheck: null, volumes: [] };
    stages.set(name, stage);
    console.log(`== stage ${name} (${m[1]})`);
    continue;
  }
  if (!stage) fail(`${op} before FROM`);
  const env = { ...process.env, ...stage.env };
  switch (op) {
    case 'WORKDIR':
      stage.workdir = arg.startsWith('/') ? arg : path.join(stage.workdir, arg);
      mkdirSync(inRoot(stage.root, stage.workdir), { recursive: true });
      break;
    case 'ENV':
      for (const m of arg.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]] = mapValue(stage.root, m[2].replace(/^"|"$/g, ''));
      break;
    case 'COPY': {
      const from = /^--from=(\S+)\s+/.exec(arg);
      const parts = (from ? arg.slice(from[0].length) : arg).split(/\s+/);
      const dest = parts.pop();
      const source = from ? stages.get(from[1]) : null;
      if (from && !source) fail(`COPY --from=${from[1]}: no such stage`);
      for (const src of parts) {
        const abs = source ? path.join(source.root, src.startsWith('/') ? src : path.join(source.workdir, src)) : path.join(repo, src);
        if (!existsSync(abs)) fail(`COPY ${src}: not found`);
        const target = inRoot(stage.root, dest.endsWith('/') || parts.length > 1 ? path.join(dest, path.basename(src)) : dest);
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(abs, target, { recursive: true });
      }
      break;
    }
    case 'RUN':
      run(mapValue(stage.root, arg), inRoot(stage.root, stage.workdir), env);
      break;
    case 'USER':
      stage.user = arg;
      break;
    case 'VOLUME':
      stage.volumes.push(...JSON.parse(arg));
      break;
    case 'ENTRYPOINT':
      stage.entrypoint = JSON.parse(arg);
      break;
    case 'CMD':
      stage.cmd = JSON.parse(arg);
      break;
    case 'HEALTHCHECK':
      stage.healthcheck = JSON.parse(arg.slice(arg.indexOf('CMD') + 3).trim());
      break;
    case 'EXPOSE':
    case 'ARG':
    case 'LABEL':
      break;
    default:
      fail(`unsupported instruction ${op}`);
  }
}

const final = stage;
if (!images.every((i) => i.startsWith('node:24') && i.includes('slim') || stages.has(i))) fail(`base images must be node:24-slim (found ${images.join(', ')})`);
if (final.user === 'root' || final.user === '0') fail('the runtime stage must not run as root');
if (final.volumes.length === 0) fail('the runtime stage declares no volume for the SQLite file');
if (!final.entrypoint || !final.healthcheck) fail('the runtime stage needs ENTRYPOINT and HEALTHCHECK');

// Start the runtime stage as the container would, on a config the image can use.
const app = inRoot(final.root, final.workdir);
const port = 20000 + Math.floor(Math.random() * 20000);
const configFile = path.join(app, 'config', 'partnersync.yaml');
const demo = readFileSync(path.join(app, 'config', 'examples', 'demo.yaml'), 'utf8')
  .replace('sqlite:./data/partnersync.db', `sqlite:${path.join(app, 'data', 'partnersync.db')}`);
writeFileSync(configFile, demo);
const env = { ...process.env, ...final.env, PORT: String(port), PARTNERSYNC_CONFIG: configFile, PARTNERSYNC_TOKENS: 'admin:docker-steps-check-token-0123456789', LOG_LEVEL: 'warn' };
const [cmd, ...args] = [...final.entrypoint, ...(final.cmd ?? [])];
console.log(`== starting: ${[cmd, ...args].join(' ')} (port ${port})`);
const child = spawn(cmd, args, { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
let healthy = false;
for (let i = 0; i < 60 && !healthy; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  if (child.exitCode !== null) fail(`the service exited with ${child.exitCode}`);
  const [hcmd, ...hargs] = final.healthcheck;
  healthy = spawnSync(hcmd, hargs, { env, cwd: app }).status === 0;
}
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
if (!healthy) fail('the HEALTHCHECK never passed');
console.log('docker-steps: the Dockerfile builds, the runtime starts as a non-root user and its health check passes');
