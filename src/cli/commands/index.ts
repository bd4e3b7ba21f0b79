// Every CLI command registers itself here: one import and one list entry per command file.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerCompute } from './compute.ts';
import { registerConfig } from './config.ts';
import { registerSandbox } from './sandbox.ts';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const commands: readonly RegisterCommand[] = [
  registerCompute,
  registerConfig,
  registerSandbox,
];
