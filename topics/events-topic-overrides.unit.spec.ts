import { envVar, readConfig } from '../lib/config/env';
import { InvalidConfigError } from '../lib/errors';
import { eventsTopicConfigSpec, eventsTopicOverrides, topicNamesFromConfig } from './events-topic-overrides';

describe('ORDERSTREAM_EVENTS_TOPIC_<AGGREGATE>', () => {
  const read = (env: Record<string, string>) =>
    readConfig(
      { ORDERSTREAM_TOPIC_PREFIX: 'p.', ...env },
      {
        ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
        ...eventsTopicConfigSpec,
      },
    );

  it('switches only the aggregate it names, to the full name given', () => {
    const config = read({ ORDERSTREAM_EVENTS_TOPIC_ORDERS: 'orders.upcast-1a2b3c4d.events' });
    expect(eventsTopicOverrides(config)).toEqual({ orders: 'orders.upcast-1a2b3c4d.events' });
    const topics = topicNamesFromConfig(config);
    expect(topics.events('orders')).toBe('orders.upcast-1a2b3c4d.events');
    expect(topics.events('inventory')).toBe('p.inventory.events');
    expect(topics.commands('orders')).toBe('p.orders.commands');
  });

  it('refuses a topic the aggregate partitioner would not treat as an events topic, naming the variable', () => {
    expect(() => read({ ORDERSTREAM_EVENTS_TOPIC_PAYMENTS: 'payments-copy' })).toThrow(InvalidConfigError);
    expect(() => read({ ORDERSTREAM_EVENTS_TOPIC_PAYMENTS: 'payments-copy' })).toThrow(
      /ORDERSTREAM_EVENTS_TOPIC_PAYMENTS: must match/,
    );
    expect(() => read({ ORDERSTREAM_EVENTS_TOPIC_ORDERS: 'a b.events' })).toThrow(
      /ORDERSTREAM_EVENTS_TOPIC_ORDERS/,
    );
  });

  it('leaves every aggregate on its default topic when unset or blank', () => {
    expect(eventsTopicOverrides(read({ ORDERSTREAM_EVENTS_TOPIC_SHIPMENTS: ' ' }))).toEqual({});
  });
});
