import {
  nextPartitionState,
  PARTITION_TRANSITIONS,
  PartitionTransitionError,
  type PartitionEvent,
  type PartitionState,
} from './partition-lifecycle';
import { createPartitionOwners } from './partition-owners';

const given = (state: PartitionState) => ({
  when: (event: PartitionEvent) => ({
    then: (expected: PartitionState) => expect(nextPartitionState(7, state, event)).toBe(expected),
    thenRefused: () => {
      const refused = () => nextPartitionState(7, state, event);
      expect(refused).toThrow(PartitionTransitionError);
      expect(refused).toThrow(`partition 7: '${event}' is not allowed when ${state}`);
    },
  }),
});

const RELEASES = ['revoked', 'fenced', 'commitFailed', 'stopped'] as const;

describe('the partition lifecycle', () => {
  it('restores a claimed partition before it is ready', () => {
    given('unowned').when('claimed').then('restoring');
    given('restoring').when('restored').then('ready');
  });

  it('keeps a claim that is restoring or ready instead of starting another restore', () => {
    given('restoring').when('claimed').then('restoring');
    given('ready').when('claimed').then('ready');
  });

  it('gives a partition up after a failed restore, so the next claim restores it afresh', () => {
    given('restoring').when('restoreFailed').then('unowned');
  });

  it.each(RELEASES)('gives a partition up from every state when %s', (reason) => {
    given('restoring').when(reason).then('unowned');
    given('ready').when(reason).then('unowned');
    given('unowned').when(reason).then('unowned');
  });

  it('refuses the end of a restore that is not under way', () => {
    given('unowned').when('restored').thenRefused();
    given('ready').when('restored').thenRefused();
    given('unowned').when('restoreFailed').thenRefused();
    given('ready').when('restoreFailed').thenRefused();
  });

  it('leads every state back to unowned', () => {
    for (const row of Object.values(PARTITION_TRANSITIONS)) expect(row.stopped).toBe('unowned');
  });
});

/** A promise settled from outside, so a test decides when a restore ends. */
const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Lets the registry's handlers of a settled restore run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const fakeOwners = () => {
  const opening: ReturnType<typeof deferred<string>>[] = [];
  const closed: string[] = [];
  const owners = createPartitionOwners<string>({
    open: () => {
      const next = deferred<string>();
      opening.push(next);
      return next.promise;
    },
    close: async (owner) => {
      closed.push(owner);
    },
  });
  return { owners, opening, closed };
};

describe('the partition owners', () => {
  it('opens a partition once however often it is claimed, and is ready when the restore ends', async () => {
    const { owners, opening } = fakeOwners();
    const first = owners.claim(3);
    const second = owners.claim(3);
    expect(opening).toHaveLength(1);
    expect(owners.state(3)).toBe('restoring');
    expect(owners.owned()).toEqual([3]);
    opening[0]?.resolve('owner-3');
    await expect(first).resolves.toBe('owner-3');
    await expect(second).resolves.toBe('owner-3');
    await settle();
    expect(owners.state(3)).toBe('ready');
  });

  it('forgets a partition whose restore failed, so the next claim opens it again', async () => {
    const { owners, opening } = fakeOwners();
    const failed = owners.claim(1);
    opening[0]?.reject(new Error('registry away'));
    await expect(failed).rejects.toThrow('registry away');
    await settle();
    expect(owners.state(1)).toBe('unowned');
    expect(owners.owned()).toEqual([]);
    void owners.claim(1);
    expect(opening).toHaveLength(2);
  });

  it('closes an owner revoked mid-restore once it is open, and a later claim is not undone by it', async () => {
    const { owners, opening, closed } = fakeOwners();
    void owners.claim(2);
    const released = owners.release(2, 'revoked');
    expect(owners.state(2)).toBe('unowned');
    void owners.claim(2);
    opening[0]?.resolve('stale');
    await released;
    expect(closed).toEqual(['stale']);
    await settle();
    expect(owners.state(2)).toBe('restoring');
    opening[1]?.resolve('fresh');
    await settle();
    expect(owners.state(2)).toBe('ready');
  });

  it('closes a ready owner when it is given up, and a release of an unowned partition closes nothing', async () => {
    const { owners, opening, closed } = fakeOwners();
    void owners.claim(0);
    opening[0]?.resolve('owner-0');
    await settle();
    await owners.release(0, 'fenced');
    await owners.release(5, 'stopped');
    expect(closed).toEqual(['owner-0']);
    expect(owners.owned()).toEqual([]);
  });
});
