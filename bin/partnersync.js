#!/usr/bin/env node
// Entry point of the published CLI: runs the compiled build (npm's `prepare` builds dist/).
// The Node.js version is checked before anything else loads (an older Node cannot even load the
// build: node:sqlite is missing), with one line and exit code 2.
import check from './check-node.cjs';

const problem = check.nodeProblem();
if (problem !== null) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2), process.env);
