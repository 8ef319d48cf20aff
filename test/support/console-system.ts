import { seedCatalogue } from '../../bin/seed-catalogue';
import { createKafka } from '../../lib/adapters/kafka/client';
import { topicNames, type TopicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from './env';
import { freePort } from './free-port';
import { startRole } from './roles';
import type { RunningProcess } from './simulators';

export interface ConsoleSystem {
  topics: TopicNames;
  /** `http://127.0.0.1:<port>/console/`: the page's origin is the one the services answer CORS for. */
  consoleUrl: string;
  commandApiUrl: string;
  /** Stops every process that started, even when another failed to. */
  stop(): Promise<void>;
}

/**
 * Everything the console talks to, every part its own process as a deployment runs it (bin/role.ts):
 * the simulators, the command API, the processors, the projections and the query API serving the
 * console, on a fresh topic prefix and database, with the catalogue stocked `stock` units each.
 */
export async function startConsoleSystem({ stock }: { stock: number }): Promise<ConsoleSystem> {
  const topics = topicNames(`${uniqueName('console')}.`);
  const endpoints = testEndpoints();
  const base = {
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    ORDERSTREAM_TOPIC_PREFIX: topics.prefix,
    MONGODB_DATABASE: uniqueName('console').replace(/-/g, '_'),
  };
  const running: RunningProcess[] = [];
  const stop = async () => void (await Promise.all(running.map((r) => r.stop())));
  const startAll = async (roles: [string, Record<string, string>][]): Promise<RunningProcess[]> => {
    const settled = await Promise.allSettled(roles.map(([role, env]) => startRole(role, env)));
    for (const s of settled) if (s.status === 'fulfilled') running.push(s.value);
    return settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
  };

  try {
    const queryPort = await freePort();
    const origin = `http://127.0.0.1:${queryPort}`;
    await startRole('init', base, { exits: true });
    const [gateway, carrier, notifications] = (await startAll([
      ['payment-gateway', {}],
      ['carrier', { DELIVERY_AFTER_MS: '300' }],
      ['notification-provider', {}],
    ])) as [RunningProcess, RunningProcess, RunningProcess];
    const withOrigin = { ...base, CONSOLE_ORIGIN: origin };
    const [commandApi, processors, projections] = (await startAll([
      ['command-api', { ...withOrigin, PORT: String(await freePort()) }],
      [
        'processors',
        {
          ...withOrigin,
          PAYMENT_GATEWAY_URL: gateway.url,
          CARRIER_URL: carrier.url,
          NOTIFICATIONS_URL: notifications.url,
          TRACKING_POLL_MS: '200',
        },
      ],
      ['projections', withOrigin],
    ])) as [RunningProcess, RunningProcess, RunningProcess];
    await startAll([
      [
        'query-api',
        {
          ...withOrigin,
          PORT: String(queryPort),
          // The charts' fallback: sampling the processes' /metrics (no Prometheus scrapes these).
          PROMETHEUS_URL: '',
          PAYMENT_GATEWAY_URL: gateway.url,
          CONSOLE_SERVICES: [
            `query-api=${origin}`,
            `command-api=${commandApi.url}`,
            `processors=${processors.url}`,
            `projections=${projections.url}`,
          ].join(','),
        },
      ],
    ]);
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'console-e2e-seed' });
    await seedCatalogue(kafka, topics, stock);
    return { topics, consoleUrl: `${origin}/console/`, commandApiUrl: commandApi.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
