import type { CommandLike, CommandReply } from '../../../lib/adapters/kafka/command-protocol';
import type { CommandBus, SendResult } from '../command-bus';

export interface SentCommand {
  aggregateId: string;
  command: CommandLike & Record<string, unknown>;
}

/**
 * A CommandBus stand-in for route tests: records what was sent and answers with `respond`
 * (by default an accepted reply at version 1). Replies passed to `remember` feed the status route.
 */
export function createFakeCommandBus(
  respond: (sent: SentCommand) => SendResult = ({ aggregateId, command }) => ({
    status: 'replied',
    reply: okReply(command.meta.commandId, aggregateId, 1),
  }),
): Pick<CommandBus, 'send' | 'replyFor'> & {
  sent: SentCommand[];
  respond: (sent: SentCommand) => SendResult;
  remember(reply: CommandReply): void;
} {
  const known = new Map<string, CommandReply>();
  const bus = {
    sent: [] as SentCommand[],
    respond,
    async send(aggregateId: string, command: CommandLike) {
      const sent = { aggregateId, command: command as SentCommand['command'] };
      bus.sent.push(sent);
      return bus.respond(sent);
    },
    replyFor: (commandId: string) => known.get(commandId),
    remember(reply: CommandReply) {
      known.set(reply.commandId, reply);
    },
  };
  return bus;
}

export const okReply = (commandId: string, aggregateId: string, version: number): CommandReply => ({
  commandId,
  aggregateId,
  ok: true,
  version,
  eventTypes: [],
  duplicate: false,
});
