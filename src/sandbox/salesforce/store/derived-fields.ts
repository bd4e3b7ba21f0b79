// Fields Salesforce computes on save: an opportunity's IsClosed/IsWon (and default probability
// and forecast category) follow its stage, a task's IsClosed its status, a user's Name the first
// and last names.

import type { StageDef } from '../schema/standard-objects.ts';
import type { FieldValue, SfRecord } from '../schema/types.ts';

type Mutable = Record<string, FieldValue>;

const CLOSED_TASK_STATUSES = new Set(['Completed']);

export interface DeriveContext {
  previous: SfRecord | undefined;
  /** The values the caller wrote explicitly; those win over stage defaults. */
  written: Readonly<Record<string, FieldValue>>;
  stages: ReadonlyMap<string, StageDef>;
}

export function deriveFields(objectName: string, next: Mutable, ctx: DeriveContext): void {
  switch (objectName) {
    case 'Opportunity':
      deriveOpportunity(next, ctx);
      break;
    case 'Task':
      next['IsClosed'] = typeof next['Status'] === 'string' && CLOSED_TASK_STATUSES.has(next['Status']);
      break;
    case 'User':
    case 'Contact':
      next['Name'] = [next['FirstName'], next['LastName']].filter((p) => typeof p === 'string' && p !== '').join(' ');
      break;
    default:
      break;
  }
}

function deriveOpportunity(next: Mutable, ctx: DeriveContext): void {
  const stageName = next['StageName'];
  const stage = typeof stageName === 'string' ? ctx.stages.get(stageName.toLowerCase()) : undefined;
  if (stage === undefined) return;
  next['StageName'] = stage.name;
  next['IsClosed'] = stage.isClosed;
  next['IsWon'] = stage.isWon;
  // A stage change resets probability and forecast category to the stage's defaults, as the UI does.
  const stageChanged = ctx.previous?.['StageName'] !== stage.name;
  const reset = (name: string): boolean =>
    (stageChanged && !(name in ctx.written)) || next[name] === null || next[name] === undefined;
  if (reset('Probability')) next['Probability'] = stage.probability;
  if (reset('ForecastCategoryName')) next['ForecastCategoryName'] = stage.forecastCategory;
}
