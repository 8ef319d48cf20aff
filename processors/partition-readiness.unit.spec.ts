import { partitionsCheck, unrestoredPartitions, type RestoringProcessor } from './partition-readiness';

const processor = (owned: number[], restored: number[]): RestoringProcessor => ({
  ownedPartitions: () => owned,
  restores: () => restored.map((partition) => ({ partition })),
});

describe('processor readiness', () => {
  it('lists the owned partitions not restored yet, per processor', () => {
    expect(
      unrestoredPartitions({
        orders: processor([0, 1, 2], [0, 2]),
        inventory: processor([0, 1], [1, 0]),
        payments: processor([], []),
      }),
    ).toEqual({ orders: [1] });
  });

  it('is down while a restore runs, naming the partitions, and ok once all are restored', async () => {
    const restored: number[] = [];
    const check = partitionsCheck({
      orders: { ownedPartitions: () => [0, 1], restores: () => restored.map((partition) => ({ partition })) },
    });
    await expect(check.check(new AbortController().signal)).rejects.toThrow('restoring orders [0, 1]');
    restored.push(0, 1);
    await expect(check.check(new AbortController().signal)).resolves.toEqual({
      detail: 'owned and restored: orders 2',
    });
  });
});
