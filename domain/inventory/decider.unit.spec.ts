import { InvalidStateError, NotFoundError, ValidationError } from '../../lib/errors';
import { foldEvents } from '../decider';
import { deciderSpecification } from '../testing/decider-spec';
import { INVENTORY_EVENTS as E, REGISTER, inventoryCommand as cmd } from '../testing/inventory-fixtures';
import { ISSUED_AT } from '../testing/order-fixtures';
import { seededRandom } from '../testing/random';
import type { InventoryCommand } from './commands';
import { inventoryDecider } from './decider';
import type { InventoryEvent } from './events';
import { available, type InventoryState, type Product } from './state';

const given = deciderSpecification(inventoryDecider);
const occurredAt = ISSUED_AT;
const reserve = (orderId: string, quantity: number) => cmd({ type: 'ReserveStock', orderId, quantity });
const release = (orderId: string) => cmd({ type: 'ReleaseStock', orderId });
const commit = (orderId: string) => cmd({ type: 'CommitStock', orderId });
const reserved = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'StockReserved',
  data: { orderId, quantity, occurredAt },
});
const rejected = (
  orderId: string,
  quantity: number,
  availableNow: number,
  reason: 'INSUFFICIENT_STOCK' | 'ORDER_CLOSED' | 'UNKNOWN_PRODUCT',
): InventoryEvent => ({
  type: 'StockReservationRejected',
  data: { orderId, quantity, available: availableNow, reason, occurredAt },
});
const released = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'StockReleased',
  data: { orderId, quantity, occurredAt },
});
const committed = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'StockCommitted',
  data: { orderId, quantity, occurredAt },
});
const low = (availableNow: number): InventoryEvent => ({
  type: 'LowStockDetected',
  data: { available: availableNow, threshold: 3, occurredAt },
});
const product = (events: InventoryEvent[]): Product => {
  const state = foldEvents(inventoryDecider, events);
  if (state.status !== 'Registered') throw new Error('expected a registered product');
  return state;
};

describe('RegisterProduct', () => {
  it('registers the product with its initial stock', () => {
    given([]).when(REGISTER).then([E.registered]);
    expect(product([E.registered])).toMatchObject({ onHand: 10, reserved: 0, shipped: 0, received: 10 });
  });

  it('flags a product registered below its threshold as low', () => {
    const scarce = { ...REGISTER, initialStock: 2 } as InventoryCommand;
    given([])
      .when(scarce)
      .then([{ type: 'ProductRegistered', data: { ...E.registered.data, initialStock: 2 } }, low(2)]);
  });

  it('is idempotent for the same details and refuses different ones', () => {
    given([E.registered]).when(REGISTER).then([]);
    given([E.registered])
      .when({ ...REGISTER, price: 1 } as InventoryCommand)
      .thenThrows(InvalidStateError);
  });
});

describe('ReserveStock', () => {
  it('reserves when available units cover the quantity', () => {
    given([E.registered])
      .when(reserve('o-1', 7))
      .then([reserved('o-1', 7)]);
    given([E.registered])
      .when(reserve('o-1', 10))
      .then([reserved('o-1', 10), low(0)]);
  });

  it('emits LowStockDetected only with the reservation that crosses below the threshold', () => {
    given([E.registered])
      .when(reserve('o-1', 8))
      .then([reserved('o-1', 8), low(2)]);
    given([E.registered, reserved('o-1', 8), low(2)])
      .when(reserve('o-2', 1))
      .then([reserved('o-2', 1)]);
    given([E.registered])
      .when(reserve('o-1', 7))
      .then([reserved('o-1', 7)]); // 3 left: not below 3
  });

  it('rejects (as an event) what the available units cannot cover', () => {
    given([E.registered, reserved('o-1', 6)])
      .when(reserve('o-2', 5))
      .then([rejected('o-2', 5, 4, 'INSUFFICIENT_STOCK')]);
  });

  it('is idempotent per order: the same reservation again emits nothing, another quantity is a bug', () => {
    given([E.registered, reserved('o-1', 4)])
      .when(reserve('o-1', 4))
      .then([]);
    given([E.registered, reserved('o-1', 4)])
      .when(reserve('o-1', 5))
      .thenThrows(InvalidStateError);
  });

  it('rejects an order that was already released, committed or rejected (no stock leak on a late reserve)', () => {
    const r = reserved('o-1', 4);
    given([E.registered, r, released('o-1', 4)])
      .when(reserve('o-1', 4))
      .then([rejected('o-1', 4, 10, 'ORDER_CLOSED')]);
    given([E.registered, r, committed('o-1', 4)])
      .when(reserve('o-1', 4))
      .then([rejected('o-1', 4, 6, 'ORDER_CLOSED')]);
    given([E.registered, rejected('o-1', 40, 10, 'INSUFFICIENT_STOCK')])
      .when(reserve('o-1', 4))
      .then([rejected('o-1', 4, 10, 'ORDER_CLOSED')]);
  });

  it('rejects a reservation of an unregistered SKU, so the order can be cancelled', () => {
    given([])
      .when(reserve('o-1', 1))
      .then([rejected('o-1', 1, 0, 'UNKNOWN_PRODUCT')]);
  });
});

describe('ReleaseStock (compensation)', () => {
  it('frees the order’s units', () => {
    given([E.registered, reserved('o-1', 4)])
      .when(release('o-1'))
      .then([released('o-1', 4)]);
    expect(product([E.registered, reserved('o-1', 4), released('o-1', 4)])).toMatchObject({
      onHand: 10,
      reserved: 0,
      reservations: {},
      closed: { 'o-1': 'released' },
    });
  });

  it('is idempotent: a second release, or a release after a rejection or commit, emits nothing', () => {
    given([E.registered, reserved('o-1', 4), released('o-1', 4)])
      .when(release('o-1'))
      .then([]);
    given([E.registered, rejected('o-1', 40, 10, 'INSUFFICIENT_STOCK')])
      .when(release('o-1'))
      .then([]);
  });

  it('a release that overtakes its reservation closes the order with quantity 0; the reservation is then rejected', () => {
    given([E.registered])
      .when(release('o-1'))
      .then([released('o-1', 0)]);
    given([E.registered, released('o-1', 0)])
      .when(reserve('o-1', 4))
      .then([rejected('o-1', 4, 10, 'ORDER_CLOSED')]);
    given([])
      .when(release('o-1'))
      .then([released('o-1', 0)]);
    given([released('o-1', 0), E.registered])
      .when(reserve('o-1', 4))
      .then([rejected('o-1', 4, 10, 'ORDER_CLOSED')]);
  });
});

describe('CommitStock and ReplenishStock', () => {
  it('moves the reserved units out of the warehouse', () => {
    given([E.registered, reserved('o-1', 4)])
      .when(commit('o-1'))
      .then([committed('o-1', 4)]);
    const after = product([E.registered, reserved('o-1', 4), committed('o-1', 4)]);
    expect(after).toMatchObject({ onHand: 6, reserved: 0, shipped: 4, closed: { 'o-1': 'committed' } });
    expect(available(after)).toBe(6);
  });

  it('is idempotent, and refuses to commit what was never reserved or was released', () => {
    given([E.registered, reserved('o-1', 4), committed('o-1', 4)])
      .when(commit('o-1'))
      .then([]);
    given([E.registered]).when(commit('o-1')).thenThrows(InvalidStateError);
    given([E.registered, reserved('o-1', 4), released('o-1', 4)])
      .when(commit('o-1'))
      .thenThrows(InvalidStateError);
  });

  it('replenishes stock', () => {
    given([E.registered])
      .when(cmd({ type: 'ReplenishStock', quantity: 5 }))
      .then([E.replenished]);
    expect(product([E.registered, E.replenished])).toMatchObject({ onHand: 15, received: 15 });
  });

  it('needs a registered product', () => {
    given([])
      .when(cmd({ type: 'ReplenishStock', quantity: 5 }))
      .thenThrows(NotFoundError);
    given([]).when(commit('o-1')).thenThrows(NotFoundError);
  });
});

describe('validation and history', () => {
  it('names every malformed field', () => {
    const bad = {
      ...REGISTER,
      sku: '',
      name: '',
      price: -1,
      initialStock: 1.5,
      lowStockThreshold: -1,
    } as InventoryCommand;
    const error = given([]).when(bad).thenThrows(ValidationError);
    expect(error.errors.map((e) => e.field).sort()).toEqual(
      ['initialStock', 'lowStockThreshold', 'name', 'price', 'sku'].sort(),
    );
    given([E.registered])
      .when(reserve('', 0))
      .thenThrows(ValidationError, (e) => e.errors.length === 2);
    given([])
      .when({ ...release('o-1'), type: 'Steal' } as unknown as InventoryCommand)
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'type');
  });

  it('refuses histories that cannot exist', () => {
    expect(() => foldEvents(inventoryDecider, [E.registered, E.registered])).toThrow(InvalidStateError);
    expect(() => foldEvents(inventoryDecider, [E.replenished])).toThrow(InvalidStateError);
    expect(() => foldEvents(inventoryDecider, [E.registered, committed('o-1', 1)])).toThrow(
      InvalidStateError,
    );
    expect(() => foldEvents(inventoryDecider, [E.registered, released('o-1', 3)])).toThrow(InvalidStateError);
  });
});

describe('stock invariants under random commands', () => {
  const check = (state: InventoryState): void => {
    if (state.status !== 'Registered') return;
    const sum = Object.values(state.reservations).reduce((a, b) => a + b, 0);
    expect(state.reserved).toBe(sum);
    expect(state.reserved).toBeLessThanOrEqual(state.onHand);
    expect(state.onHand).toBeGreaterThanOrEqual(0);
    expect(state.onHand + state.shipped).toBe(state.received);
  };

  it.each([1, 2, 3, 4, 5])('hold after every step (seed %i)', (seed) => {
    const random = seededRandom(seed);
    let state = inventoryDecider.initialState();
    let replenished = 0;
    const history: InventoryEvent[] = [];
    const commands: InventoryCommand[] = [REGISTER];
    for (let i = 0; i < 400; i++) {
      const orderId = `o-${random.int(1, 40)}`;
      commands.push(
        random.pick([
          reserve(orderId, random.int(1, 6)),
          reserve(orderId, random.int(1, 6)),
          release(orderId),
          commit(orderId),
          cmd({ type: 'ReplenishStock', quantity: random.int(1, 3) }),
        ]),
      );
    }
    for (const command of commands) {
      let events: InventoryEvent[] = [];
      try {
        events = inventoryDecider.decide(command, state);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidStateError); // a different quantity, or a commit without reservation
      }
      for (const event of events) {
        if (event.type === 'StockReplenished') replenished += event.data.quantity;
        state = inventoryDecider.evolve(state, event);
        history.push(event);
        check(state);
      }
    }
    const final = product(history);
    expect(final.onHand + final.shipped).toBe(10 + replenished);
    expect(history.filter((e) => e.type === 'StockReserved').length).toBeGreaterThan(10);
    expect(history.filter((e) => e.type === 'StockCommitted').length).toBeGreaterThan(0);
  });
});

describe('price, name and retirement', () => {
  const reprice = (price: number) => cmd({ type: 'ChangeProductPrice', price });
  const rename = (name: string) => cmd({ type: 'RenameProduct', name });
  const retire = cmd({ type: 'RetireProduct', reason: 'end of line' });

  it('changes the price and the name, naming what they were', () => {
    given([E.registered]).when(reprice(1500)).then([E.repriced]);
    given([E.registered]).when(rename('Widget Pro')).then([E.renamed]);
    expect(product([E.registered, E.repriced, E.renamed])).toMatchObject({ price: 1500, name: 'Widget Pro' });
  });

  it('changes nothing when the price or name is already the one asked for', () => {
    given([E.registered, E.repriced]).when(reprice(1500)).then([]);
    given([E.registered]).when(rename('Widget')).then([]);
  });

  it('refuses a change to a product that is not registered', () => {
    given([]).when(reprice(1500)).thenThrows(NotFoundError);
    given([]).when(retire).thenThrows(NotFoundError);
  });

  it('retires once; a retired product keeps its details but still fulfils orders already holding it', () => {
    given([E.registered]).when(retire).then([E.retired]);
    given([E.registered, E.retired]).when(retire).then([]);
    given([E.registered, E.retired]).when(reprice(1)).thenThrows(InvalidStateError);
    given([E.registered, E.retired]).when(rename('x')).thenThrows(InvalidStateError);
    // Lines sold before the retirement are still reserved and shipped.
    given([E.registered, E.retired])
      .when(reserve('o-1', 4))
      .then([reserved('o-1', 4)]);
  });

  it('still takes the original registration again after the details changed (start-up seeding re-runs)', () => {
    given([E.registered, E.repriced, E.renamed]).when(REGISTER).then([]);
  });

  it('refuses a negative price, a blank name and a blank reason', () => {
    given([E.registered]).when(reprice(-1)).thenThrows(ValidationError);
    given([E.registered]).when(rename('')).thenThrows(ValidationError);
    given([E.registered])
      .when(cmd({ type: 'RetireProduct', reason: '' }))
      .thenThrows(ValidationError);
  });
});
