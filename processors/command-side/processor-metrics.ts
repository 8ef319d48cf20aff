import { deadLetterCounter, type Metrics } from '../../lib/observability/metrics';

/** The command processor's series; get-or-create, so several processors in one process share them. */
export const processorMetrics = (metrics: Metrics) => {
  const commandsTotal = metrics.counter<'type' | 'outcome'>({
    name: 'commands_total',
    help: 'Commands handled by outcome',
    labelNames: ['type', 'outcome'],
  });
  const eventsAppended = metrics.counter<'aggregate' | 'type'>({
    name: 'events_appended_total',
    help: 'Events appended to the event store',
    labelNames: ['aggregate', 'type'],
  });
  const batchDuration = metrics.histogram<'aggregate'>({
    name: 'command_batch_duration_seconds',
    help: 'Time to decide and commit one batch of commands (one transaction)',
    labelNames: ['aggregate'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const restoreDuration = metrics.histogram<'aggregate'>({
    name: 'partition_restore_duration_seconds',
    help: 'Time to restore a partition from snapshots and events on assignment',
    labelNames: ['aggregate'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const deadLettered = deadLetterCounter(metrics);
  const transientFailures = metrics.counter<'aggregate' | 'stage'>({
    name: 'command_batch_retries_total',
    help: 'Command batches that failed transiently and were retried in place, by stage',
    labelNames: ['aggregate', 'stage'],
  });
  return { commandsTotal, eventsAppended, batchDuration, restoreDuration, deadLettered, transientFailures };
};
