// Runs the configured provider's change-event sources inside `serve` (src/crm/events.ts): each
// gets a store-backed checkpoint scoped to the CRM account, and its changes become the same
// debounced targeted syncs as webhook deliveries; lost events become an incremental sync.

import type { EventSource } from '../crm/events.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './deps.ts';
import type { SyncService } from './sync-service.ts';

export interface EventSourceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  syncs: SyncService;
  account: () => Promise<string>;
  /** Counts each source's change notifications (metrics). */
  onEvent?: ((source: string, outcome: 'changes' | 'resync') => void) | undefined;
}

export interface RunningSources {
  stop(): Promise<void>;
}

export async function startEventSources(
  sources: readonly EventSource[],
  deps: EventSourceDeps,
): Promise<RunningSources> {
  const abort = new AbortController();
  const started: EventSource[] = [];
  for (const source of sources) {
    const log = deps.logger.child({ source: source.name });
    const account = await deps.account();
    await source.start({
      checkpoint: {
        get: (key) => deps.store.eventCheckpoint(account, `${source.name}:${key}`),
        set: (key, value) => deps.store.saveEventCheckpoint(account, `${source.name}:${key}`, value, deps.clock.now()),
      },
      onChanges: (records) => {
        deps.onEvent?.(source.name, 'changes');
        return deps.syncs.enqueueAndWait(records);
      },
      requestSync: ({ refreshLinks, reason }) => {
        deps.onEvent?.(source.name, 'resync');
        log.warn({ reason }, 'change events were lost: running an incremental sync');
        return deps.syncs.requestSync({ refreshLinks });
      },
      log,
      signal: abort.signal,
    });
    started.push(source);
    log.info('change-event source started');
  }
  return {
    stop: async () => {
      abort.abort();
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}
