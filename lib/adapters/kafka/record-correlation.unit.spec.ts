import { Writable } from 'node:stream';
import { createLogger } from '../../observability/logger';
import { HEADERS } from './headers';
import { recordCorrelation, withRecordContext } from './record-correlation';

const collectingLogger = () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 't', destination }), lines };
};

describe('a record handled inside its correlation', () => {
  const headers = {
    [HEADERS.correlationId]: Buffer.from('corr-1'),
    [HEADERS.causationId]: Buffer.from('order-1:3'),
    [HEADERS.commandId]: Buffer.from('cmd-9'),
  };

  it('reads the ids from the headers', () => {
    expect(recordCorrelation(headers)).toEqual({
      correlationId: 'corr-1',
      causationId: 'order-1:3',
      commandId: 'cmd-9',
    });
    expect(recordCorrelation({ [HEADERS.correlationId]: 'c' })).toEqual({ correlationId: 'c' });
    expect(recordCorrelation({})).toBeUndefined();
  });

  it('puts them on every log line written while the record is handled, awaits included', async () => {
    const { logger, lines } = collectingLogger();
    await withRecordContext(headers, 'orders PlaceOrder', async () => {
      await new Promise((r) => setImmediate(r));
      logger.warn('external call failed');
    });
    logger.info('after the record');
    expect(
      lines.map(({ msg, correlationId, causationId, commandId }) => ({
        msg,
        correlationId,
        causationId,
        commandId,
      })),
    ).toEqual([
      { msg: 'external call failed', correlationId: 'corr-1', causationId: 'order-1:3', commandId: 'cmd-9' },
      { msg: 'after the record', correlationId: undefined, causationId: undefined, commandId: undefined },
    ]);
  });
});
