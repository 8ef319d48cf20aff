import { startTogether, type Stoppable } from './start-together';

const part = (): Stoppable & { stopped: number } => {
  const p = {
    stopped: 0,
    stop: async () => {
      p.stopped += 1;
    },
  };
  return p;
};

const quietLogger = () => ({ warn: jest.fn(), error: jest.fn() });

describe('startTogether', () => {
  it('resolves with every part by name', async () => {
    const a = part();
    const b = part();
    const started = await startTogether(
      { a: Promise.resolve(a), b: Promise.resolve(b) },
      { logger: quietLogger() },
    );
    expect(started.a).toBe(a);
    expect(started.b).toBe(b);
  });

  it('stops the parts that started when one fails, and throws the failure', async () => {
    const a = part();
    const c = part();
    const logger = quietLogger();
    const failure = new Error('join refused');
    await expect(
      startTogether({ a: Promise.resolve(a), b: Promise.reject(failure), c: Promise.resolve(c) }, { logger }),
    ).rejects.toBe(failure);
    expect([a.stopped, c.stopped]).toEqual([1, 1]);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ part: 'b', err: failure }),
      expect.any(String),
    );
  });

  it('says which parts are still starting while they are', async () => {
    jest.useFakeTimers();
    try {
      const logger = quietLogger();
      let release: (p: Stoppable) => void = () => {};
      const slow = new Promise<Stoppable>((r) => (release = r));
      const started = startTogether(
        { fast: Promise.resolve(part()), slow },
        { logger, reportEveryMs: 1_000 },
      );
      await jest.advanceTimersByTimeAsync(1_000);
      expect(logger.warn).toHaveBeenLastCalledWith(
        expect.objectContaining({ pending: ['slow'] }),
        'parts still starting',
      );
      release(part());
      await started;
      const reports = logger.warn.mock.calls.length;
      await jest.advanceTimersByTimeAsync(5_000);
      expect(logger.warn.mock.calls.length).toBe(reports);
    } finally {
      jest.useRealTimers();
    }
  });
});
