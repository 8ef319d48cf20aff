import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultByName } from './faults';
import { runChaos } from './suite';

jest.setTimeout(20 * 60_000);

const stackPorts = {
  kafka: 26092,
  kafkaController: 26093,
  registry: 26085,
  registryManagement: 26086,
  mongo: 26017,
  redis: 26379,
};
const servicePorts = {
  gateway: 26191,
  carrier: 26192,
  notifications: 26193,
  processors: 26100,
  projections: 26101,
  queryApi: 26180,
  commandApi: 26181,
  parts: 26110,
};

/**
 * The fast subset of `npm run chaos` that every `npm test` runs: a SIGKILLed processor, a MongoDB
 * outage, poison on every input topic and the request the processors once could not encode, each
 * under a steady order load on a private stack, with every guarantee checked after each fault.
 */
it('keeps every guarantee through a killed processor, a MongoDB outage, poison records and an unencodable command', async () => {
  const outcomes = await runChaos({
    name: 'chaos-fast-subset',
    // The committed report comes from `npm run chaos`; a test run writes its own beside the tests.
    resultsDir: mkdtempSync(join(tmpdir(), 'orderstream-chaos-')),
    faults: ['kill:processors', 'outage:mongo', 'poison', 'unencodable'].map(faultByName),
    rate: 3,
    warmMs: 3_000,
    afterMs: 5_000,
    holdMs: 15_000,
    kills: 2,
    settleMs: 180_000,
    sagaDeadlineMs: 60_000,
    instance: 'chaos-test',
    stackPorts,
    servicePorts,
  });
  expect(outcomes.map((o) => o.fault)).toEqual(['kill:processors', 'outage:mongo', 'poison', 'unencodable']);
  for (const outcome of outcomes) {
    expect({ fault: outcome.fault, violations: outcome.violations }).toEqual({
      fault: outcome.fault,
      violations: [],
    });
    expect(outcome.ordersPlaced).toBeGreaterThan(0);
  }
});

/**
 * The layout a deployment uses and `npm run loadtest -- --per-part` measures: each pipeline part in
 * a process of its own under npm start's supervisor. Killing the saga alone, then the orders'
 * command processor alone, loses nothing either.
 */
it('keeps every guarantee when the pipeline runs a process per part and single parts are killed', async () => {
  const faults = ['kill:saga', 'kill:orders-processor'];
  const outcomes = await runChaos({
    name: 'chaos-per-part-subset',
    resultsDir: mkdtempSync(join(tmpdir(), 'orderstream-chaos-')),
    faults: faults.map(faultByName),
    pipelineProcesses: 'per-part',
    rate: 3,
    warmMs: 3_000,
    afterMs: 5_000,
    holdMs: 15_000,
    kills: 1,
    settleMs: 180_000,
    sagaDeadlineMs: 60_000,
    instance: 'chaos-test',
    stackPorts,
    servicePorts,
  });
  expect(outcomes.map((o) => o.fault)).toEqual(faults);
  for (const outcome of outcomes) {
    expect({ fault: outcome.fault, violations: outcome.violations }).toEqual({
      fault: outcome.fault,
      violations: [],
    });
    expect(outcome.ordersPlaced).toBeGreaterThan(0);
    // The fault waits for the killed part's new pid and readiness; no other process restarted.
    expect({ fault: outcome.fault, unexpectedRestarts: outcome.unexpectedRestarts }).toEqual({
      fault: outcome.fault,
      unexpectedRestarts: [],
    });
  }
});
