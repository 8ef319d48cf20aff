import { createLogRingBuffer } from './log-ring-buffer';
import { createLogger, currentCorrelation, withCorrelation } from './logger';

function collectingLogger(level: 'info' | 'debug' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const recentLogs = createLogRingBuffer({ capacity: 3 });
  const logger = createLogger({
    service: 'svc',
    level,
    recentLogs,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines, recentLogs };
}

describe('createLogger', () => {
  it('writes JSON lines with service, string level and ISO time', () => {
    const { logger, lines } = collectingLogger();
    logger.info({ orderId: 'o1' }, 'placed');
    expect(lines[0]).toMatchObject({ service: 'svc', level: 'info', msg: 'placed', orderId: 'o1' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lines[0]).not.toHaveProperty('correlationId');
  });

  it('adds the current correlation to every line, including child loggers and after awaits', async () => {
    const { logger, lines } = collectingLogger();
    const child = logger.child({ component: 'saga' });
    await withCorrelation({ correlationId: 'c1', causationId: 'e7', commandId: 'cmd-3' }, async () => {
      await new Promise((r) => setImmediate(r));
      child.info('inside');
      expect(currentCorrelation()?.correlationId).toBe('c1');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({
      component: 'saga',
      correlationId: 'c1',
      causationId: 'e7',
      commandId: 'cmd-3',
    });
    expect(lines[1]).not.toHaveProperty('correlationId');
  });

  it('keeps concurrent correlations apart', async () => {
    const { logger, lines } = collectingLogger();
    const work = (id: string, ms: number) =>
      withCorrelation({ correlationId: id }, async () => {
        await new Promise((r) => setTimeout(r, ms));
        logger.info({ expected: id }, 'done');
      });
    await Promise.all([work('slow', 20), work('fast', 1)]);
    expect(lines.every((l) => l.correlationId === l.expected)).toBe(true);
  });

  it('tees lines into the ring buffer, which keeps only the newest', () => {
    const { logger, recentLogs } = collectingLogger('debug');
    withCorrelation({ correlationId: 'x' }, () => {
      for (let i = 0; i < 5; i++) logger.debug({ i }, 'step');
    });
    expect(recentLogs.size).toBe(3);
    expect(recentLogs.linesFor('x').map((l) => l.i)).toEqual([2, 3, 4]);
    expect(recentLogs.linesFor('x', 1).map((l) => l.i)).toEqual([4]);
    expect(recentLogs.linesFor('y')).toEqual([]);
  });
});

describe('createLogRingBuffer', () => {
  it('matches the correlation id exactly, not as a substring', () => {
    const buffer = createLogRingBuffer({ capacity: 10 });
    buffer.write('{"correlationId":"abc","n":1}\n');
    buffer.write('{"correlationId":"abcd","n":2}\n');
    buffer.write('not json abc\n');
    expect(buffer.linesFor('abc')).toEqual([{ correlationId: 'abc', n: 1 }]);
  });

  it('refuses a nonsensical capacity', () => {
    expect(() => createLogRingBuffer({ capacity: 0 })).toThrow(RangeError);
  });
});
