import type { CommandReply } from '../../lib/kafka/command-protocol';

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
  // A Map iterates in insertion order, so re-inserting on access makes the first key the LRU one.
  const replies = new Map<string, CommandReply>();
  return {
    capacity,
    get size() {
      return replies.size;
    },
    get(commandId) {
      const reply = replies.get(commandId);
      if (reply !== undefined) {
        replies.delete(commandId);
        replies.set(commandId, reply);
      }
      return reply;
    },
    set(reply) {
      replies.delete(reply.commandId);
      replies.set(reply.commandId, reply);
      if (replies.size > capacity) {
        const oldest = replies.keys().next().value;
        if (oldest !== undefined) replies.delete(oldest);
      }
    },
  };
}
