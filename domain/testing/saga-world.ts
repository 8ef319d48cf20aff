import type { Decider } from '../decider';
import { inventoryDecider } from '../inventory/decider';
import type { SendNotification, SendOutcome } from '../notification/commands';
import { notificationDecider } from '../notification/decider';
import {
  effectNeeded as notificationEffectNeeded,
  providerIdempotencyKey,
} from '../notification/effect-needed';
import type { NotificationState } from '../notification/state';
import { orderDecider } from '../order/decider';
import type {
  CaptureOutcome,
  CapturePayment,
  PaymentCommand,
  RefundOutcome,
  RefundPayment,
} from '../payment/commands';
import { paymentDecider } from '../payment/decider';
import { effectNeeded as paymentEffectNeeded, gatewayIdempotencyKey } from '../payment/effect-needed';
import type { PaymentState } from '../payment/state';
import { react } from '../saga/reactions';
import type { CommandToSend, CommandsOf, EventsOf, SagaAggregate, SagaInput } from '../saga/types';
import {
  DEFAULT_COMPENSATION_POLICY,
  nextCompensationStep,
  type CompensationPolicy,
} from '../saga/compensation-retry';
import type {
  CreateShipment,
  CreateShipmentOutcome,
  ShipmentCommand,
  VoidShipment,
  VoidShipmentOutcome,
} from '../shipment/commands';
import { shipmentDecider } from '../shipment/decider';
import { carrierIdempotencyKey, effectNeeded as shipmentEffectNeeded } from '../shipment/effect-needed';
import type { ShipmentState } from '../shipment/state';
import type { Random } from './random';

/*
 * The whole choreography in memory, for tests: one queue of commands, one fold per aggregate,
 * `react` after every event, and fake external parties that honour idempotency keys. It does
 * what the runtime will do (dedupe by command id, call the outside world only when
 * effectNeeded says so, record rejections instead of crashing), minus Kafka.
 */

/** The outside world: each call gets the idempotency key the runtime would send. */
export interface Externals {
  capture(command: CapturePayment, key: string): CaptureOutcome;
  refund(command: RefundPayment, key: string): RefundOutcome;
  createShipment(command: CreateShipment, key: string): CreateShipmentOutcome;
  voidShipment(command: VoidShipment, key: string): VoidShipmentOutcome;
  send(command: SendNotification, key: string): SendOutcome;
}

export interface StoredEvent {
  aggregate: SagaAggregate;
  aggregateId: string;
  version: number;
  event: EventsOf[SagaAggregate];
  correlationId: string;
}

export interface Rejection {
  aggregate: SagaAggregate;
  aggregateId: string;
  command: CommandToSend['command'];
  error: Error;
}

interface ErasedModule {
  decide(command: unknown, state: unknown): unknown[];
  evolve(state: unknown, event: unknown): unknown;
  initialState(): unknown;
  /** Calls the outside world when the aggregate's effectNeeded says so, and adds the outcome. */
  prepare(command: unknown, state: unknown): unknown;
}

const erase = <C, E, S>(decider: Decider<C, E, S>, prepare: (c: C, s: S) => C = (c) => c): ErasedModule => ({
  decide: (c, s) => decider.decide(c as C, s as S),
  evolve: (s, e) => decider.evolve(s as S, e as E),
  initialState: () => decider.initialState(),
  prepare: (c, s) => prepare(c as C, s as S),
});

const withoutOutcome = <C extends { outcome?: unknown }>(command: C): C => {
  const { outcome: _ignored, ...rest } = command;
  return rest as C;
};

const modulesFor = (externals: Externals): Record<SagaAggregate, ErasedModule> => ({
  orders: erase(orderDecider),
  inventory: erase(inventoryDecider),
  payments: erase(paymentDecider, (command: PaymentCommand, state: PaymentState): PaymentCommand => {
    if (!paymentEffectNeeded(command, state)) return withoutOutcome(command);
    const key = gatewayIdempotencyKey(command, state);
    return command.type === 'CapturePayment'
      ? { ...command, outcome: externals.capture(command, key) }
      : { ...command, outcome: externals.refund(command, key) };
  }),
  shipments: erase(shipmentDecider, (command: ShipmentCommand, state: ShipmentState): ShipmentCommand => {
    if (!shipmentEffectNeeded(command, state)) return command;
    const key = carrierIdempotencyKey(command);
    if (command.type === 'CreateShipment')
      return { ...command, outcome: externals.createShipment(command, key) };
    if (command.type === 'VoidShipment') return { ...command, outcome: externals.voidShipment(command, key) };
    return command;
  }),
  notifications: erase(notificationDecider, (command: SendNotification, state: NotificationState) =>
    notificationEffectNeeded(command, state)
      ? { ...command, outcome: externals.send(command, providerIdempotencyKey(command, state)) }
      : withoutOutcome(command),
  ),
});

/**
 * What is waiting: commands for an aggregate, and (with saga lag) stored events the saga has
 * not reacted to yet. Kafka keeps order per partition, so the weakest ordering the runtime can
 * rely on is FIFO per key: commands per target aggregate, reactions per source stream.
 */
export type AgendaItem = { kind: 'command'; item: CommandToSend } | { kind: 'event'; stored: StoredEvent };

const keyOf = (entry: AgendaItem): string =>
  entry.kind === 'command'
    ? `command:${entry.item.aggregate}/${entry.item.aggregateId}`
    : `event:${entry.stored.aggregate}/${entry.stored.aggregateId}`;

/** Chooses the index of the next agenda item to process. */
export type Pick = (agenda: readonly AgendaItem[]) => number;

export const fifo: Pick = () => 0;

/** Any key's oldest item, at random: every interleaving Kafka's per-partition order allows. */
export const randomHeads =
  (random: Random): Pick =>
  (agenda) => {
    const seen = new Set<string>();
    const heads: number[] = [];
    agenda.forEach((entry, i) => {
      const key = keyOf(entry);
      if (!seen.has(key)) {
        seen.add(key);
        heads.push(i);
      }
    });
    return random.pick(heads);
  };

/**
 * The first command matching `first`, else the head of the agenda. It may break per-key order
 * on purpose: tests use it to force an overtaking (e.g. a delayed retry) the domain must survive.
 */
export const preferring =
  (first: (item: CommandToSend) => boolean): Pick =>
  (agenda) =>
    Math.max(
      0,
      agenda.findIndex((entry) => entry.kind === 'command' && first(entry.item)),
    );

export interface SagaWorld {
  send(item: CommandToSend, options?: { front?: boolean }): void;
  /** Processes one agenda item; false when the agenda is empty. */
  step(pick?: Pick): boolean;
  /** Steps until the agenda is empty (or `until` holds); throws if it does not settle within maxSteps. */
  run(options?: { pick?: Pick; maxSteps?: number; until?: () => boolean }): number;
  stateOf<A extends SagaAggregate>(aggregate: A, aggregateId: string): unknown;
  eventsOf<A extends SagaAggregate>(aggregate: A, aggregateId: string): EventsOf[A][];
  streamIds(aggregate: SagaAggregate): string[];
  onEvent(hook: (stored: StoredEvent) => void): void;
  /** Called for every command about to be decided (after the duplicate check). */
  onCommand(hook: (item: CommandToSend) => void): void;
  readonly log: readonly StoredEvent[];
  readonly rejections: readonly Rejection[];
  readonly agenda: readonly AgendaItem[];
  /** Compensations the retrier gave up on, waiting for an operator's re-drive (world.send). */
  readonly parked: CommandToSend[];
}

export const createSagaWorld = (
  externals: Externals,
  options: {
    /** Applied to every event before it is stored, e.g. an Avro round trip. */
    transform?: (aggregate: SagaAggregate, event: EventsOf[SagaAggregate]) => EventsOf[SagaAggregate];
    /** Queue events for the saga instead of reacting at once, so reactions lag behind like a consumer's. */
    sagaLag?: boolean;
    /** The compensation retrier's policy (processors/saga/compensation-retrier.ts); its delays are not simulated. */
    compensations?: CompensationPolicy;
  } = {},
): SagaWorld => {
  const modules = modulesFor(externals);
  const streams = new Map<string, { state: unknown; events: unknown[] }>();
  const agenda: AgendaItem[] = [];
  const processed = new Set<string>();
  const log: StoredEvent[] = [];
  const rejections: Rejection[] = [];
  const parked: CommandToSend[] = [];
  const eventHooks: ((stored: StoredEvent) => void)[] = [];
  const commandHooks: ((item: CommandToSend) => void)[] = [];

  const streamOf = (aggregate: SagaAggregate, aggregateId: string) => {
    const key = `${aggregate}/${aggregateId}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = { state: modules[aggregate].initialState(), events: [] };
      streams.set(key, stream);
    }
    return stream;
  };

  const reactTo = (stored: StoredEvent): void => {
    const { aggregate, aggregateId, version, event, correlationId } = stored;
    const input = { aggregate, aggregateId, version, event } as SagaInput;
    const issuedAt = (event.data as { occurredAt: string }).occurredAt;
    for (const item of react(input, { correlationId, issuedAt })) agenda.push({ kind: 'command', item });
  };

  /** What the compensation retrier does with a failed refund or void: retry it, or park it. */
  const retryCompensation = (stored: StoredEvent, state: unknown): void => {
    const { event } = stored;
    if (event.type !== 'PaymentRefundFailed' && event.type !== 'ShipmentVoidFailed') return;
    const failures =
      event.type === 'PaymentRefundFailed'
        ? (state as Extract<PaymentState, { status: 'Captured' }>).refundFailures
        : ((state as { voidFailures?: number }).voidFailures ?? 0);
    const step = nextCompensationStep(
      {
        compensation: event.type === 'PaymentRefundFailed' ? 'refund' : 'void',
        orderId: stored.aggregateId,
        failures,
        reason: event.data.reason,
        failedAt: event.data.occurredAt,
        correlationId: stored.correlationId,
      },
      options.compensations ?? DEFAULT_COMPENSATION_POLICY,
    );
    if (step.action === 'retry') agenda.push({ kind: 'command', item: step.command });
    else parked.push(step.command);
  };

  const process = (item: CommandToSend): void => {
    const { aggregate, aggregateId, command } = item;
    if (processed.has(command.meta.commandId)) return; // the command processors dedupe by id
    processed.add(command.meta.commandId);
    commandHooks.forEach((hook) => hook(item));
    const module = modules[aggregate];
    const stream = streamOf(aggregate, aggregateId);
    let events: unknown[];
    try {
      events = module.decide(module.prepare(command, stream.state), stream.state);
    } catch (error) {
      rejections.push({ aggregate, aggregateId, command, error: error as Error });
      return;
    }
    for (const decided of events) {
      const event = options.transform
        ? options.transform(aggregate, decided as EventsOf[SagaAggregate])
        : (decided as EventsOf[SagaAggregate]);
      stream.state = module.evolve(stream.state, event);
      stream.events.push(event);
      const stored: StoredEvent = {
        aggregate,
        aggregateId,
        version: stream.events.length,
        event,
        correlationId: command.meta.correlationId,
      };
      log.push(stored);
      retryCompensation(stored, stream.state);
      eventHooks.forEach((hook) => hook(stored));
      if (options.sagaLag) agenda.push({ kind: 'event', stored });
      else reactTo(stored);
    }
  };

  const world: SagaWorld = {
    send: (item, { front = false } = {}) => {
      if (front) agenda.unshift({ kind: 'command', item });
      else agenda.push({ kind: 'command', item });
    },
    step: (pick = fifo) => {
      if (agenda.length === 0) return false;
      const [entry] = agenda.splice(pick(agenda), 1);
      if (entry?.kind === 'command') process(entry.item);
      else if (entry?.kind === 'event') reactTo(entry.stored);
      return true;
    },
    run: ({ pick = fifo, maxSteps = 200_000, until } = {}) => {
      let steps = 0;
      while (!(until?.() ?? false) && world.step(pick)) {
        if (++steps > maxSteps) throw new Error(`the saga did not settle within ${maxSteps} steps`);
      }
      return steps;
    },
    stateOf: (aggregate, aggregateId) => streamOf(aggregate, aggregateId).state,
    eventsOf: <A extends SagaAggregate>(aggregate: A, aggregateId: string) =>
      streamOf(aggregate, aggregateId).events as EventsOf[A][],
    streamIds: (aggregate) =>
      [...streams.keys()]
        .filter((key) => key.startsWith(`${aggregate}/`))
        .map((key) => key.slice(aggregate.length + 1)),
    onEvent: (hook) => eventHooks.push(hook),
    onCommand: (hook) => commandHooks.push(hook),
    log,
    rejections,
    agenda,
    parked,
  };
  return world;
};

/** A client or webhook command (not caused by an event), addressed to its aggregate. */
export const external = <A extends SagaAggregate>(
  aggregate: A,
  aggregateId: string,
  command: CommandsOf[A],
): CommandToSend => ({ aggregate, aggregateId, command }) as CommandToSend;
