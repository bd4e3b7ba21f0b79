// Scheduled syncs (node-cron, in the program time zone): the incremental sync and the full
// refresh of links that change without bumping modified dates. Overlaps are skipped: the
// service runs one sync at a time and the store lock keeps other instances out.

import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.ts';
import type { SyncService } from './sync-service.ts';

export interface Schedules {
  schedule: string;
  fullRefresh: string;
  timezone: string;
}

export function startScheduler(service: SyncService, s: Schedules, logger: Logger): { stop: () => Promise<void> } {
  const tasks: ScheduledTask[] = [
    cron.schedule(
      s.schedule,
      () => {
        if (service.start({}) === null) logger.info('scheduled sync skipped: a sync is already running');
      },
      { timezone: s.timezone, name: 'partnersync-sync', noOverlap: true },
    ),
    cron.schedule(
      s.fullRefresh,
      () => {
        if (service.start({ refreshLinks: true }) === null)
          logger.info('scheduled link refresh skipped: a sync is already running');
      },
      { timezone: s.timezone, name: 'partnersync-refresh-links', noOverlap: true },
    ),
  ];
  logger.info({ schedule: s.schedule, fullRefresh: s.fullRefresh, timezone: s.timezone }, 'scheduler started');
  return {
    stop: async () => {
      for (const t of tasks) await t.destroy();
    },
  };
}
