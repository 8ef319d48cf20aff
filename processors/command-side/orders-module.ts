import type { OrderCommand } from '../../domain/order/commands';
import { orderHiddenFrom } from '../../domain/order/access';
import { orderDecider } from '../../domain/order/decider';
import type { OrderEvent } from '../../domain/order/events';
import { readOrderState } from '../../domain/order/read-state';
import type { OrderState } from '../../domain/order/state';
import { validateOrderCommand } from '../../domain/order/validate-command';
import { ValidationError } from '../../lib/errors';
import type { AggregateModule } from './aggregate-module';
import type { EventCodec } from '../../schemas/event-codec';

const parseOrderCommand = (json: unknown): OrderCommand => {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ValidationError('a command must be a JSON object', [
      { field: '(root)', message: 'must be an object' },
    ]);
  }
  const candidate = json as OrderCommand;
  if (typeof candidate.meta !== 'object' || candidate.meta === null) {
    throw new ValidationError('a command needs meta', [{ field: 'meta', message: 'must be an object' }]);
  }
  validateOrderCommand(candidate);
  return candidate;
};

export const ordersModule = (
  codec: EventCodec<OrderEvent>,
): AggregateModule<OrderCommand, OrderEvent, OrderState> => ({
  aggregate: 'orders',
  decider: orderDecider,
  codec,
  parseCommand: parseOrderCommand,
  aggregateIdOf: (command) => command.orderId,
  occurredAtOf: (event) => event.data.occurredAt,
  hiddenFrom: orderHiddenFrom,
  // OrderState is plain JSON data already; the snapshot format is versioned by SnapshotValue.format.
  stateToJson: (state) => state,
  stateFromJson: (json) => readOrderState(json, 'state'),
});
