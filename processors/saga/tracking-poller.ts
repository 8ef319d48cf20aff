import type { Kafka, Message, Producer } from '../../lib/adapters/kafka/types';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage, type CommandLike } from '../../lib/adapters/kafka/command-protocol';
import { withCorrelation } from '../../lib/observability/correlation-context';
import { activeTraceContext, inSpan } from '../../lib/observability/tracing';
import type { TopicNames } from '../../topics/names';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import { runEvery } from '../../lib/process/run-every';

export type TrackingStatus = 'Created' | 'InTransit' | 'OutForDelivery' | 'Delivered';

export interface TrackingSource {
  tracking(shipmentId: string): Promise<{ status: TrackingStatus }>;
}

export interface TrackingPollerOptions {
  kafka: Kafka;
  topics: TopicNames;
  decode: (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;
  carrier: TrackingSource;
  pollEveryMs?: number;
  now?: () => Date;
  logger: Logger;
  /** Its follower stopped for good: the process should exit (its supervisor restarts it). */
  onFatal?: (error: Error) => void;
}

/** The dead-letter group of records the poller cannot follow. */
export const TRACKING_POLLER_GROUP = 'tracking-poller';

const ORDER: TrackingStatus[] = ['Created', 'InTransit', 'OutForDelivery', 'Delivered'];

/**
 * The carrier does not call us, so we ask: every shipment not yet delivered is polled, and
 * each new status becomes a RecordTrackingUpdate command (id `tracking:<orderId>:<status>`,
 * so a repeat after a restart is a duplicate the shipment processor ignores).
 */
export const startTrackingPoller = async (
  options: TrackingPollerOptions,
): Promise<{ stop(): Promise<void> }> => {
  const { kafka, topics, carrier, logger } = options;
  const now = options.now ?? (() => new Date());
  // Each shipment keeps the trace and correlation it was created in: its updates continue them.
  const active = new Map<
    string,
    { shipmentId: string; reported: TrackingStatus; correlationId: string; trace: Context }
  >();

  const follower = await followEvents({
    kafka,
    topic: topics.events('shipments'),
    decode: options.decode,
    deadLetterTopic: topics.deadLetter(TRACKING_POLLER_GROUP),
    logger,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    onEvent: (event) => {
      const data = event.data as { shipmentId?: string };
      if (event.type === 'ShipmentCreated' && data.shipmentId) {
        active.set(event.aggregateId, {
          shipmentId: data.shipmentId,
          reported: 'Created',
          correlationId: event.correlationId,
          trace: activeTraceContext(),
        });
      } else if (event.type === 'ShipmentInTransit') {
        const known = active.get(event.aggregateId);
        if (known) known.reported = 'InTransit';
      } else if (
        event.type === 'ShipmentDelivered' ||
        event.type === 'ShipmentFailed' ||
        event.type === 'ShipmentVoided'
      ) {
        // A voided label never moves again: nothing left to ask the carrier.
        active.delete(event.aggregateId);
      }
    },
  });

  const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  const poll = async (): Promise<void> => {
    const updates: Message[] = [];
    for (const [orderId, shipment] of [...active]) {
      const correlation = { correlationId: shipment.correlationId || `tracking:${orderId}` };
      let status: TrackingStatus;
      try {
        // The question is logged under the order's correlation; only an answer joins its trace.
        ({ status } = await withCorrelation(correlation, () => carrier.tracking(shipment.shipmentId)));
      } catch (err) {
        logger.warn({ err, orderId }, 'tracking poll failed; will ask again');
        continue;
      }
      if (ORDER.indexOf(status) <= ORDER.indexOf(shipment.reported)) continue;
      shipment.reported = status;
      const commandId = `tracking:${orderId}:${status}`;
      const command = {
        type: 'RecordTrackingUpdate',
        orderId,
        status,
        at: now().toISOString(),
        meta: { commandId, correlationId: correlation.correlationId, issuedAt: now().toISOString() },
      } as CommandLike;
      updates.push(
        inSpan(`tracking-poller ${status}`, () => commandMessage(orderId, command), {
          parent: shipment.trace,
        }),
      );
    }
    if (updates.length === 0) return;
    await producer.send({ topic: topics.commands('shipments'), messages: updates });
  };
  const timer = runEvery(options.pollEveryMs ?? 500, poll, (err) =>
    logger.error({ err }, 'tracking poll round failed'),
  );

  return {
    stop: async () => {
      timer.stop();
      await follower.stop();
      await producer.disconnect();
    },
  };
};
