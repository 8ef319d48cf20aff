import { LRUCache } from 'lru-cache';
import type { CommandReply } from '../../lib/adapters/kafka/command-protocol';

export interface ReplyCache {
  get(commandId: string): CommandReply | undefined;
  set(reply: CommandReply): void;
  readonly size: number;
  readonly capacity: number;
}

/**
 * The most recent replies by command id, for `GET /api/commands/status/{commandId}` after a
 * request gave up waiting, and for a retried request whose reply is already here. Bounded (least
 * recently used first out), because every instance sees every reply on the shared topic.
 */
export function createReplyCache({ capacity = 10_000 }: { capacity?: number } = {}): ReplyCache {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`reply cache capacity must be a positive integer, got ${capacity}`);
  }
  const replies = new LRUCache<string, CommandReply>({ max: capacity });
  return {
    capacity,
    get size() {
      return replies.size;
    },
    get: (commandId) => replies.get(commandId),
    set: (reply) => void replies.set(reply.commandId, reply),
  };
}
