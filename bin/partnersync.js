#!/usr/bin/env node
// Entry point of the published CLI: runs the compiled build (npm's `prepare` builds dist/).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2), process.env);
