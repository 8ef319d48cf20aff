import { memberPartitions, type Admin, type GroupDescription } from '../../lib/adapters/kafka/client';
import type { HealthCheck } from '../../lib/http/health';

export interface OwnedTopic {
  /** The command processors' consumer group. */
  groupId: string;
  /** Its commands topic, whose partitions must all have an owner. */
  topic: string;
}

export type Ownership =
  | { status: 'ok'; detail: string }
  | { status: 'degraded'; detail: string }
  | { status: 'down'; detail: string };

/**
 * Whether a group's members own every partition of `topic`. A group mid-rebalance owns nothing
 * on paper but its members are alive, so that is degraded, not down; an empty group, or a stable
 * one leaving partitions unowned, means commands there wait for no one.
 */
export const ownershipOf = (
  group: Pick<GroupDescription, 'groupId' | 'state' | 'members'> | undefined,
  topic: string,
  partitionCount: number,
): Ownership => {
  if (!group || group.members.length === 0 || group.state === 'Empty' || group.state === 'Dead') {
    return { status: 'down', detail: `no processor in group ${group?.groupId ?? '?'} owns ${topic}` };
  }
  if (group.state !== 'Stable') {
    return { status: 'degraded', detail: `${group.groupId} is rebalancing (${group.state})` };
  }
  const owned = new Set(group.members.flatMap((m) => memberPartitions(m.memberAssignment)[topic] ?? []));
  const unowned = Array.from({ length: partitionCount }, (_, p) => p).filter((p) => !owned.has(p));
  if (unowned.length > 0) {
    return { status: 'down', detail: `${topic} partitions [${unowned.join(', ')}] have no processor` };
  }
  return {
    status: 'ok',
    detail: `${topic}: ${partitionCount} partitions, ${group.members.length} processor(s)`,
  };
};

/** The worst of several, with every detail that is not ok (all of them when all are ok). */
export const combineOwnership = (results: Ownership[]): Ownership => {
  const rank = { ok: 0, degraded: 1, down: 2 } as const;
  const worst = results.reduce<Ownership['status']>(
    (w, r) => (rank[r.status] > rank[w] ? r.status : w),
    'ok',
  );
  const details = results.filter((r) => worst === 'ok' || r.status !== 'ok').map((r) => r.detail);
  return { status: worst, detail: details.join('; ') };
};

export interface ProcessorOwnershipCheckOptions {
  admin: Pick<Admin, 'describeGroups' | 'fetchTopicMetadata'>;
  owned: OwnedTopic[];
  /** Probes share one answer this long, so a burst of readiness probes makes one round trip. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * The command API's `command-processors` check: a command for a partition nobody owns would
 * answer 202 "pending" forever, so the API is not ready while that is so (DESIGN §12: health
 * says which part is degraded).
 */
export const processorOwnershipCheck = ({
  admin,
  owned,
  cacheMs = 3_000,
  now = Date.now,
}: ProcessorOwnershipCheckOptions): HealthCheck => {
  let cached: { at: number; result: Promise<Ownership> } | undefined;
  const partitionCounts = new Map<string, number>();

  const probe = async (): Promise<Ownership> => {
    const missing = owned.map((o) => o.topic).filter((t) => !partitionCounts.has(t));
    if (missing.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: missing });
      for (const t of metadata.topics) partitionCounts.set(t.name, t.partitions.length);
    }
    const { groups } = await admin.describeGroups(owned.map((o) => o.groupId));
    return combineOwnership(
      owned.map((o) =>
        ownershipOf(
          groups.find((g) => g.groupId === o.groupId) ?? { groupId: o.groupId, state: 'Dead', members: [] },
          o.topic,
          partitionCounts.get(o.topic) ?? 0,
        ),
      ),
    );
  };

  return {
    name: 'command-processors',
    async check() {
      if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), result: probe() };
      const result = await cached.result.catch((err: unknown) => {
        // A failed probe is not an answer to keep: the next probe asks again.
        cached = undefined;
        throw err;
      });
      if (result.status === 'down') throw new Error(result.detail);
      return result;
    },
  };
};
