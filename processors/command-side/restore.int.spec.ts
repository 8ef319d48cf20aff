import { commandSideHarness, type CommandSideHarness } from '../../test/support/command-side';
import { eventually } from '../../test/support/eventually';
import { ordersModule } from './orders-module';
import { HistoryIntegrityError, restorePartition } from './restore';

jest.setTimeout(60_000);

/**
 * Restore builds every aggregate of a partition from its snapshots and events. A snapshot record
 * of another shape (hand-written, from other code, damaged) must stop the partition and say
 * where it is, not restore a wrong state silently. Each case has a partition of its own (the
 * snapshots topic has six), since a bad record stays in the log whatever is written after it.
 */
describe('restoring a partition from a snapshot record of the wrong shape', () => {
  let h: CommandSideHarness;
  beforeAll(async () => {
    h = await commandSideHarness();
  });
  afterAll(() => h?.close());
  let used = -1;

  it.each([
    ['not JSON', 'o-1', '{"format":1,'],
    ['a state without status', 'o-2', '{"format":1,"aggregateId":"o-2","version":3,"state":{},"recent":[]}'],
    [
      'version 0',
      'o-3',
      '{"format":1,"aggregateId":"o-3","version":0,"state":{"status":"Draft"},"recent":[]}',
    ],
    [
      'another format',
      'o-4',
      '{"format":2,"aggregateId":"o-4","version":1,"state":{"status":"Draft"},"recent":[]}',
    ],
    [
      'malformed recent commands',
      'o-5',
      '{"format":1,"aggregateId":"o-5","version":1,"state":{"status":"Draft"},"recent":[{"commandId":1}]}',
    ],
    ['a checkpoint without an offset', '__checkpoint__', '{"format":1,"eventsFromOffset":"soon"}'],
  ])('refuses %s, naming the record', async (_, key, value) => {
    const partition = ++used;
    const snapshots = h.topics.snapshots('orders');
    const producer = h.kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: snapshots, messages: [{ key, value, partition }] });
    await producer.disconnect();

    // As the processor does, restore again while Kafka answers with a passing error (a new
    // topic's partition leaders are announced a moment after its creation).
    const err = await eventually(
      'restore answers',
      async () => {
        const outcome = await restorePartition(
          h.kafka,
          ordersModule(h.codec),
          { events: h.topics.events('orders'), snapshots },
          partition,
        ).then(
          () => new Error('restored'),
          (e: unknown) => e,
        );
        return (outcome as { retriable?: boolean }).retriable === true ? undefined : outcome;
      },
      30_000,
    );
    expect(err).toBeInstanceOf(HistoryIntegrityError);
    expect((err as Error).message).toContain(`${snapshots}[${partition}]@${sent?.baseOffset}`);
  });
});
