import type { PartitionMetadata } from './types';
import { ValidationError } from '../../errors';
import { aggregatePartitioner, createAggregatePartitioner } from './aggregate-partitioner';
import { partitionForKey } from './murmur2';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));

const partitionOf = (topic: string, key: Buffer | string | null, partitions = 12, partition?: number) =>
  aggregatePartitioner()({
    topic,
    partitionMetadata: metadata(partitions),
    message: { key, value: 'v', partition },
  });

describe('aggregatePartitioner', () => {
  it('puts every version of an aggregate on one partition', () => {
    const expected = partitionForKey('order-1', 12);
    expect(partitionOf('orders.events', 'order-1:1')).toBe(expected);
    expect(partitionOf('orders.events', 'order-1:7')).toBe(expected);
    expect(partitionOf('orders.events', Buffer.from('order-1:7'))).toBe(expected);
  });

  it('co-partitions events with commands and snapshots keyed by the aggregate id', () => {
    for (const id of ['order-1', 'order-2', 'order-42', 'ünïcødé-order']) {
      const events = partitionOf('orders.events', `${id}:3`);
      expect(partitionOf('orders.commands', id)).toBe(events);
      expect(partitionOf('orders.snapshots', id)).toBe(events);
    }
  });

  it('hashes only up to the last colon when the id contains colons', () => {
    const id = 'tenant:eu:order-9';
    const expected = partitionForKey(id, 12);
    expect(partitionOf('orders.events', `${id}:1`)).toBe(expected);
    expect(partitionOf('orders.events', `${id}:25`)).toBe(expected);
    // A command for that order keeps its whole key, and meets its events.
    expect(partitionOf('orders.commands', id)).toBe(expected);
  });

  it('would not be a trivial partitioner: different aggregates spread over partitions', () => {
    const used = new Set(Array.from({ length: 100 }, (_, i) => partitionOf('orders.events', `order-${i}:1`)));
    expect(used.size).toBeGreaterThan(6);
  });

  it('counts partitions from the metadata', () => {
    expect(partitionOf('orders.events', 'foobar:1', 5)).toBe((-790332482 & 0x7fffffff) % 5);
    expect(partitionOf('orders.events', 'foobar:1', 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });

  it('honours an explicit partition and refuses a keyless record', () => {
    expect(partitionOf('orders.events', 'order-1:1', 12, 11)).toBe(11);
    expect(() => partitionOf('orders.events', null)).toThrow(ValidationError);
  });

  it('lets the caller say which topics carry event keys', () => {
    const partitioner = createAggregatePartitioner({ isEventTopic: (t) => t === 'history' })();
    const args = (topic: string) => ({
      topic,
      partitionMetadata: metadata(12),
      message: { key: 'a:b:1', value: 'v' },
    });
    expect(partitioner(args('history'))).toBe(partitionForKey('a:b', 12));
    expect(partitioner(args('orders.events'))).toBe(partitionForKey('a:b:1', 12));
  });
});
