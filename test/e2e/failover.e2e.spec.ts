import {
  partitionGaps,
  startOrderTraffic,
  startSupervisedProcessors,
  type OrderTraffic,
  type SupervisedProcessors,
} from '../support/supervised-processors';
import { until } from '../support/eventually';
import { testEndpoints } from '../support/env';

jest.setTimeout(240_000);

/**
 * DESIGN §12: a SIGKILLed processors process is restarted by its supervisor and its partitions
 * are processed again; nothing sent meanwhile is lost. The deadline is generous (the speed is
 * measured by `npm run bench:failover`, not asserted here).
 */
let processors: SupervisedProcessors;
let traffic: OrderTraffic;

afterAll(async () => {
  await traffic?.close();
  await processors?.stop();
});

it('processes every partition again after a SIGKILL, losing no command', async () => {
  const endpoints = testEndpoints();
  processors = await startSupervisedProcessors({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
  });
  traffic = await startOrderTraffic(endpoints.kafkaBrokers, processors.topics);
  const output = () => processors.recentOutput().slice(-20).join('\n');

  const first = await traffic.sendOne();
  await until(
    'the first command answered',
    () => first.repliedAt !== undefined,
    120_000,
    () => `no reply from the processors:\n${output()}`,
  );

  const stopFlow = traffic.flow(10);
  await until(
    '30 commands sent',
    () => traffic.sent.length >= 30,
    30_000,
    () => 'traffic did not flow',
  );
  const killedAt = Date.now();
  expect(processors.supervisor.kill('processors', 'SIGKILL')).toBe(true);
  await processors.supervisor.waitForRestart('processors', 1, 30_000);
  const sentAfterRestart = traffic.sent.length;
  await until(
    '30 more commands sent',
    () => traffic.sent.length >= sentAfterRestart + 30,
    30_000,
    () => 'traffic stopped',
  );
  await stopFlow();

  await until(
    'every command answered',
    () => traffic.unanswered().length === 0,
    120_000,
    () => `${traffic.unanswered().length} of ${traffic.sent.length} commands unanswered:\n${output()}`,
  );
  const gaps = partitionGaps(traffic.sent, killedAt);
  const partitions = new Set(traffic.sent.filter((c) => c.sentAt > killedAt).map((c) => c.partition));
  expect([...gaps.keys()].sort()).toEqual([...partitions].sort());
  expect(processors.supervisor.restarts('processors')).toBe(1);
  process.stdout.write(
    `failover: every partition answered again within ${Math.max(...gaps.values())} ms of the SIGKILL\n`,
  );
});
