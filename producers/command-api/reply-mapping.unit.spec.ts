import {
  DependencyError,
  InvalidStateError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
} from '../../lib/errors';
import { problemFromError } from '../../lib/http/problem';
import type { CommandReply, ReplyError } from '../../lib/adapters/kafka/command-protocol';
import { commandResponse, productResource, rejectionError } from './reply-mapping';
import { okReply } from './testing/fake-command-bus';

const rejected = (error: ReplyError): CommandReply => ({
  commandId: 'c-1',
  aggregateId: 'o-1',
  ok: false,
  error,
});

/** The status and body a client sees for a rejected command, through the kit's problem mapping. */
const problemFor = (error: ReplyError, expectedVersion?: number) => {
  try {
    commandResponse({ status: 'replied', reply: rejected(error) }, { aggregateId: 'o-1', expectedVersion });
  } catch (err) {
    return problemFromError(err).problem;
  }
  throw new Error('expected the rejected reply to throw');
};

describe('commandResponse', () => {
  it('answers a create with 201, the order id and version, an ETag and the order Location', () => {
    const response = commandResponse(
      { status: 'replied', reply: okReply('c-1', 'o-1', 1) },
      { aggregateId: 'o-1', created: true },
    );
    expect(response).toEqual({
      status: 201,
      body: { orderId: 'o-1', version: 1 },
      headers: { ETag: '"1"', Location: '/api/queries/orders/o-1' },
    });
  });

  it('answers other commands with 200 and no Location', () => {
    const response = commandResponse(
      { status: 'replied', reply: okReply('c-1', 'o-1', 4) },
      { aggregateId: 'o-1' },
    );
    expect(response).toEqual({ status: 200, body: { orderId: 'o-1', version: 4 }, headers: { ETag: '"4"' } });
  });

  it('names a product by sku and locates it under /api/products', () => {
    const created = commandResponse(
      { status: 'replied', reply: okReply('c-1', 'BOOK 1', 1) },
      { aggregateId: 'BOOK 1', created: true, resource: productResource },
    );
    expect(created).toEqual({
      status: 201,
      body: { sku: 'BOOK 1', version: 1 },
      headers: { ETag: '"1"', Location: '/api/products/BOOK%201' },
    });
    const pending = commandResponse(
      { status: 'pending', commandId: 'c-2' },
      { aggregateId: 'BOOK 1', resource: productResource },
    );
    expect(pending.body).toMatchObject({ sku: 'BOOK 1', status: 'pending' });
  });

  it('answers a command without a reply yet with 202 and a status URL to poll', () => {
    expect(commandResponse({ status: 'pending', commandId: 'c 1' }, { aggregateId: 'o-1' })).toEqual({
      status: 202,
      body: { orderId: 'o-1', commandId: 'c 1', status: 'pending', statusUrl: '/api/commands/status/c%201' },
      headers: { Location: '/api/commands/status/c%201', 'Retry-After': '1' },
    });
  });
});

describe('rejected replies', () => {
  it('VERSION_CONFLICT becomes a VersionConflictError: 409 carrying currentVersion', () => {
    const err = rejectionError('o-1', { code: 'VERSION_CONFLICT', message: 'stale', currentVersion: 5 }, 2);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toMatchObject({ expectedVersion: 2, currentVersion: 5 });
    expect(problemFor({ code: 'VERSION_CONFLICT', message: 'stale', currentVersion: 5 }, 2)).toMatchObject({
      status: 409,
      code: 'VERSION_CONFLICT',
      currentVersion: 5,
      detail: 'expected version 2 of o-1 but it is at version 5',
    });
  });

  it("keeps the processor's message for a conflict on a command that named no version", () => {
    expect(
      problemFor({ code: 'VERSION_CONFLICT', message: 'concurrent write', currentVersion: 7 }),
    ).toMatchObject({
      status: 409,
      currentVersion: 7,
      detail: 'concurrent write',
    });
  });

  it('INVALID_STATE becomes a 409 with currentVersion', () => {
    const error = { code: 'INVALID_STATE', message: 'cannot ship a draft order', currentVersion: 3 };
    expect(rejectionError('o-1', error)).toBeInstanceOf(InvalidStateError);
    expect(problemFor(error)).toMatchObject({
      status: 409,
      currentVersion: 3,
      detail: 'cannot ship a draft order',
    });
  });

  it('NOT_FOUND becomes a 404', () => {
    const error = { code: 'NOT_FOUND', message: 'order o-1 does not exist' };
    expect(rejectionError('o-1', error)).toBeInstanceOf(NotFoundError);
    expect(problemFor(error)).toMatchObject({ status: 404, detail: 'order o-1 does not exist' });
  });

  it('VALIDATION_FAILED becomes a 400 naming the fields', () => {
    const errors = [{ field: 'amount', message: 'must equal the order total 4599' }];
    const error = { code: 'VALIDATION_FAILED', message: 'invalid payment', errors };
    expect(rejectionError('o-1', error)).toBeInstanceOf(ValidationError);
    expect(problemFor(error)).toMatchObject({ status: 400, errors });
  });

  it('an unknown code is the processor failing: 503, without its internals', () => {
    const error = { code: 'INTERNAL', message: 'mongo at 10.0.0.7 refused' };
    expect(rejectionError('o-1', error)).toBeInstanceOf(DependencyError);
    const problem = problemFor(error);
    expect(problem.status).toBe(503);
    expect(JSON.stringify(problem)).not.toContain('10.0.0.7');
  });
});
