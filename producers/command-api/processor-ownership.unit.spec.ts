import { AssignerProtocol } from 'kafkajs';
import { combineOwnership, ownershipOf, processorOwnershipCheck } from './processor-ownership';

const member = (assignment: Record<string, number[]>) => ({
  memberId: 'm',
  clientId: 'c',
  clientHost: 'h',
  memberMetadata: Buffer.alloc(0),
  memberAssignment: AssignerProtocol.MemberAssignment.encode({
    version: 0,
    assignment,
    userData: Buffer.alloc(0),
  }),
});
const TOPIC = 'orders.commands';

describe('ownershipOf', () => {
  it('is ok when the members of a stable group own every partition', () => {
    const group = {
      groupId: 'g',
      state: 'Stable' as const,
      members: [member({ [TOPIC]: [0, 2] }), member({ [TOPIC]: [1] })],
    };
    expect(ownershipOf(group, TOPIC, 3)).toEqual({
      status: 'ok',
      detail: 'orders.commands: 3 partitions, 2 processor(s)',
    });
  });

  it('is down when the group is empty or unknown', () => {
    expect(ownershipOf({ groupId: 'g', state: 'Empty', members: [] }, TOPIC, 3)).toEqual({
      status: 'down',
      detail: 'no processor in group g owns orders.commands',
    });
    expect(ownershipOf(undefined, TOPIC, 3).status).toBe('down');
  });

  it('is down naming the partitions a stable group leaves unowned', () => {
    const group = {
      groupId: 'g',
      state: 'Stable' as const,
      members: [member({ [TOPIC]: [1], other: [0, 2] })],
    };
    expect(ownershipOf(group, TOPIC, 3)).toEqual({
      status: 'down',
      detail: 'orders.commands partitions [0, 2] have no processor',
    });
  });

  it('is degraded while live members rebalance', () => {
    const group = {
      groupId: 'g',
      state: 'PreparingRebalance' as const,
      members: [{ ...member({}), memberAssignment: Buffer.alloc(0) }],
    };
    expect(ownershipOf(group, TOPIC, 3)).toEqual({
      status: 'degraded',
      detail: 'g is rebalancing (PreparingRebalance)',
    });
  });

  it('combines to the worst, keeping the details that are not ok', () => {
    expect(
      combineOwnership([
        { status: 'ok', detail: 'a' },
        { status: 'down', detail: 'b' },
        { status: 'degraded', detail: 'c' },
      ]),
    ).toEqual({ status: 'down', detail: 'b; c' });
    expect(
      combineOwnership([
        { status: 'ok', detail: 'a' },
        { status: 'ok', detail: 'b' },
      ]),
    ).toEqual({ status: 'ok', detail: 'a; b' });
  });
});

describe('processorOwnershipCheck', () => {
  const signal = new AbortController().signal;
  const fakeAdmin = (groups: Parameters<typeof ownershipOf>[0][]) => {
    const calls = { describe: 0, metadata: 0 };
    let fail = false;
    return {
      calls,
      failNext: () => (fail = true),
      admin: {
        describeGroups: async () => {
          calls.describe += 1;
          if (fail) {
            fail = false;
            throw new Error('broker down');
          }
          return { groups: groups.map((g) => ({ protocol: '', protocolType: 'consumer', ...g! })) };
        },
        fetchTopicMetadata: async () => {
          calls.metadata += 1;
          return { topics: [{ name: TOPIC, partitions: [{}, {}] as never[] }] };
        },
      },
    };
  };

  it('throws the detail when no processor owns the partitions, and caches answers for a while', async () => {
    let t = 0;
    const fake = fakeAdmin([{ groupId: 'g', state: 'Empty', members: [] }]);
    const check = processorOwnershipCheck({
      admin: fake.admin,
      owned: [{ groupId: 'g', topic: TOPIC }],
      cacheMs: 1_000,
      now: () => t,
    });
    await expect(check.check(signal)).rejects.toThrow('no processor in group g owns orders.commands');
    t = 500;
    await expect(check.check(signal)).rejects.toThrow('no processor');
    expect(fake.calls).toEqual({ describe: 1, metadata: 1 });
    t = 1_000;
    await expect(check.check(signal)).rejects.toThrow('no processor');
    expect(fake.calls).toEqual({ describe: 2, metadata: 1 });
  });

  it('does not keep a failed probe', async () => {
    const fake = fakeAdmin([{ groupId: 'g', state: 'Stable', members: [member({ [TOPIC]: [0, 1] })] }]);
    const check = processorOwnershipCheck({
      admin: fake.admin,
      owned: [{ groupId: 'g', topic: TOPIC }],
      now: () => 0,
    });
    fake.failNext();
    await expect(check.check(signal)).rejects.toThrow('broker down');
    await expect(check.check(signal)).resolves.toEqual({
      status: 'ok',
      detail: 'orders.commands: 2 partitions, 1 processor(s)',
    });
  });
});
