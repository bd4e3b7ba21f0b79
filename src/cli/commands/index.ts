// Every CLI command registers itself here: one import and one list entry per command file.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerCompute } from './compute.ts';
import { registerConfig } from './config.ts';
import { registerSandbox } from './sandbox.ts';
import { registerSync } from './sync.ts';
import { registerSnapshot } from './snapshot.ts';
import { registerExport } from './export.ts';
import { registerStatements } from './statements.ts';
import { registerPeriods } from './periods.ts';
import { registerProvision } from './provision.ts';
import { registerServe } from './serve.ts';
import { registerDemo } from './demo.ts';
import { registerPartners } from './partners.ts';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const commands: readonly RegisterCommand[] = [
  registerCompute,
  registerConfig,
  registerSandbox,
  registerSync,
  registerSnapshot,
  registerExport,
  registerStatements,
  registerPeriods,
  registerProvision,
  registerServe,
  registerDemo,
  registerPartners,
];
