// The real CLI (src/cli/main.ts) as a process, without a build: what `partnersync …` does.
// Usage: node test/reliability/cli-runner.ts <command> [options]

import { main } from '../../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2), process.env);
