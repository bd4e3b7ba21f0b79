// Deal stage → open / won / lost, from HubSpot's pipeline stage metadata (`isClosed`, and
// `probability` "1.0" = won), with per-stage overrides from `crm.stages.overrides`. Custom
// pipelines have their own (numeric) stage ids, so nothing here hard-codes "closedwon".
// https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide

import type { Stage } from '../../domain/snapshot.ts';
import type { PipelinesRaw } from './raw-schemas.ts';

export interface StageInfo {
  id: string;
  label: string;
  pipeline: string;
  outcome: Stage | null;
}

export class StageMap {
  readonly #stages: ReadonlyMap<string, StageInfo>;
  // a Map: stage ids come from HubSpot and override keys from the config (`constructor` is text)
  readonly #overrides: ReadonlyMap<string, Stage>;

  constructor(stages: readonly StageInfo[], overrides: Readonly<Record<string, Stage>>) {
    this.#stages = new Map(stages.map((s) => [s.id, s]));
    this.#overrides = new Map(Object.entries(overrides));
  }

  /** The outcome of a stage id, or null when neither HubSpot nor the overrides know it. */
  outcome(stageId: string): Stage | null {
    return this.#overrides.get(stageId) ?? this.#stages.get(stageId)?.outcome ?? null;
  }

  has(stageId: string): boolean {
    return this.#stages.has(stageId) || this.#overrides.has(stageId);
  }

  stages(): StageInfo[] {
    return [...this.#stages.values()];
  }

  /** Override keys that name no stage of any pipeline (a config typo). */
  unknownOverrides(): string[] {
    return [...this.#overrides.keys()].filter((id) => !this.#stages.has(id));
  }
}

function outcomeOf(metadata: Readonly<Record<string, string>> | undefined): Stage | null {
  const closed = metadata?.['isClosed'];
  if (closed === undefined) return null;
  if (closed !== 'true') return 'open';
  const probability = Number(metadata?.['probability'] ?? 'NaN');
  return probability >= 1 ? 'won' : 'lost';
}

export function buildStageMap(raw: PipelinesRaw, overrides: Readonly<Record<string, Stage>>): StageMap {
  const stages: StageInfo[] = [];
  for (const pipeline of raw.results) {
    for (const stage of pipeline.stages)
      stages.push({ id: stage.id, label: stage.label, pipeline: pipeline.label, outcome: outcomeOf(stage.metadata) });
  }
  return new StageMap(stages, overrides);
}

/** For mapping partners, which have no stage. */
export const NO_STAGES = new StageMap([], {});
