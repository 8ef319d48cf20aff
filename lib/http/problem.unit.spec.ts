import {
  ConfigError,
  DependencyError,
  InvalidStateError,
  MethodNotAllowedError,
  NotFoundError,
  OrderstreamError,
  PayloadTooLargeError,
  PrerequisiteError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
} from '../errors';
import { problem, problemFromError } from './problem';

class SomethingNew extends OrderstreamError {
  readonly code = 'SOMETHING_NEW';
}

describe('problemFromError', () => {
  it.each([
    [new ValidationError('bad', [{ field: 'a', message: 'is required' }]), 400],
    [new NotFoundError('order o1 does not exist'), 404],
    [new MethodNotAllowedError('PUT', ['GET']), 405],
    [new VersionConflictError('o1', 1, 4), 409],
    [new InvalidStateError('cannot ship'), 409],
    [new PayloadTooLargeError(10), 413],
    [new UnsupportedMediaTypeError('text/plain'), 415],
    [new ConfigError('PORT', 'bad'), 500],
    [new DependencyError('mongodb', 'down'), 503],
    [new PrerequisiteError('install java'), 500],
    [new SomethingNew('x'), 500],
    [new Error('x'), 500],
    ['a thrown string', 500],
  ])('%s → %i', (err, status) => {
    expect(problemFromError(err).problem.status).toBe(status);
  });

  it('adds the extensions clients rely on', () => {
    expect(problemFromError(new VersionConflictError('o1', 1, 4)).problem).toMatchObject({
      type: 'urn:orderstream:problem:version-conflict',
      currentVersion: 4,
      code: 'VERSION_CONFLICT',
    });
    expect(problemFromError(new InvalidStateError('no')).problem).not.toHaveProperty('currentVersion');
    expect(problemFromError(new MethodNotAllowedError('PUT', ['GET', 'POST'])).headers).toEqual({
      Allow: 'GET, POST',
    });
  });

  it('withholds the message of every server-side error', () => {
    for (const err of [
      new ConfigError('MONGODB_URI', 'mongodb://admin:pw@db'),
      new SomethingNew('leaked-detail-42'),
    ]) {
      const { problem: body, exposed } = problemFromError(err);
      expect(exposed).toBe(false);
      expect(JSON.stringify(body)).not.toMatch(/admin|leaked-detail/);
    }
  });

  it('maps http-errors style errors by their status', () => {
    const err = Object.assign(new Error('Unauthorized'), { status: 401, expose: true });
    expect(problemFromError(err, { instance: '/x' }).problem).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Unauthorized',
      instance: '/x',
    });
  });
});

describe('problem', () => {
  it('defaults type and title from the status', () => {
    expect(problem({ status: 404, detail: 'gone' })).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'gone',
    });
  });
});
