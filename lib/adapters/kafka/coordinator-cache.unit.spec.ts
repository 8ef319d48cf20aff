import { COORDINATOR_TTL_MS, forgetCoordinatorsOn } from './coordinator-cache';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the cluster kafkajs builds per client
const Cluster = require('kafkajs/src/cluster');

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const TRANSACTION = 1;

/** A kafkajs cluster that never connects: the broker's answers are stubbed where kafkajs asks for them. */
const clusterAnswering = (nodeId: number) => {
  const cluster = new Cluster({
    logger: { ...silent, namespace: () => silent },
    brokers: ['127.0.0.1:1'],
    clientId: 'spec',
    retry: { retries: 0 },
  });
  const lookups = jest.fn(async () => ({ coordinator: { nodeId } }));
  const findBroker = jest.fn(async ({ nodeId: id }: { nodeId: number }) => ({ nodeId: id }));
  cluster.findGroupCoordinatorMetadata = lookups;
  cluster.findBroker = findBroker;
  const find = (groupId = 'txn-1') => cluster.findGroupCoordinator({ groupId, coordinatorType: TRANSACTION });
  return { find, lookups, findBroker };
};

describe('coordinator cache', () => {
  afterEach(() => jest.useRealTimers());

  it('asks the broker once per transactional id, then reuses the answer', async () => {
    const { find, lookups } = clusterAnswering(3);

    expect(await find()).toEqual({ nodeId: 3 });
    expect(await find()).toEqual({ nodeId: 3 });
    await find('txn-2');

    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('asks again after a broker says it is not the coordinator, and not after other errors', async () => {
    const { find, lookups } = clusterAnswering(1);
    await find();

    forgetCoordinatorsOn({ type: 'CONCURRENT_TRANSACTIONS' });
    forgetCoordinatorsOn(undefined);
    await find();
    expect(lookups).toHaveBeenCalledTimes(1);

    forgetCoordinatorsOn({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    await find();
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('asks again when the cached node cannot be reached', async () => {
    const { find, lookups, findBroker } = clusterAnswering(2);
    await find();
    findBroker.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));

    expect(await find()).toEqual({ nodeId: 2 });
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('asks again once the answer is older than the time to live', async () => {
    jest.useFakeTimers();
    const { find, lookups } = clusterAnswering(1);
    await find();

    jest.advanceTimersByTime(COORDINATOR_TTL_MS - 1);
    await find();
    expect(lookups).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    await find();
    expect(lookups).toHaveBeenCalledTimes(2);
  });
});
