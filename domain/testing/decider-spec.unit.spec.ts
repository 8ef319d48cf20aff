import { InvalidStateError, NotFoundError, ValidationError } from '../../lib/errors';
import type { Decider } from '../decider';
import { deciderSpecification } from './decider-spec';

// A counter decider, small enough that every outcome of the helper can be forced.
type Cmd = { type: 'Add'; by: number } | { type: 'Boom' } | { type: 'Mutate' };
type Evt = { type: 'Added'; by: number };
type St = { total: number; log: number[] };

const counter: Decider<Cmd, Evt, St> = {
  initialState: () => ({ total: 0, log: [] }),
  evolve: (s, e) => ({ total: s.total + e.by, log: [...s.log, e.by] }),
  decide: (c, s) => {
    switch (c.type) {
      case 'Add':
        if (s.total + c.by > 10) throw new InvalidStateError('too much');
        return [{ type: 'Added', by: c.by }];
      case 'Boom':
        throw new NotFoundError('nothing here');
      case 'Mutate':
        s.log.push(1);
        return [];
    }
  },
};
const given = deciderSpecification(counter);

describe('deciderSpecification', () => {
  it('passes when decide returns the expected events', () => {
    given([{ type: 'Added', by: 4 }])
      .when({ type: 'Add', by: 2 })
      .then([{ type: 'Added', by: 2 }]);
  });

  it('fails when the events differ', () => {
    expect(() =>
      given([])
        .when({ type: 'Add', by: 2 })
        .then([{ type: 'Added', by: 3 }]),
    ).toThrow();
  });

  it('folds the history before deciding', () => {
    given([{ type: 'Added', by: 9 }])
      .when({ type: 'Add', by: 2 })
      .thenThrows(InvalidStateError);
    expect(() =>
      given([{ type: 'Added', by: 9 }])
        .when({ type: 'Add', by: 2 })
        .then([{ type: 'Added', by: 2 }]),
    ).toThrow(InvalidStateError);
  });

  it('thenThrows checks class, code and predicate, and returns the error', () => {
    const error = given([]).when({ type: 'Boom' }).thenThrows(NotFoundError, 'NOT_FOUND');
    expect(error.message).toBe('nothing here');
    expect(() => given([]).when({ type: 'Boom' }).thenThrows(ValidationError)).toThrow();
    expect(() => given([]).when({ type: 'Boom' }).thenThrows(NotFoundError, 'INVALID_STATE')).toThrow();
    expect(() =>
      given([])
        .when({ type: 'Boom' })
        .thenThrows(NotFoundError, () => false),
    ).toThrow(/predicate/);
  });

  it('thenThrows fails when decide returns events', () => {
    expect(() => given([]).when({ type: 'Add', by: 1 }).thenThrows(InvalidStateError)).toThrow(/returned/);
  });

  it('makes a decide that mutates its state fail', () => {
    expect(() =>
      given([{ type: 'Added', by: 1 }])
        .when({ type: 'Mutate' })
        .then([]),
    ).toThrow(TypeError);
  });
});
