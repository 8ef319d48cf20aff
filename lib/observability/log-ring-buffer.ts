/**
 * The most recent log lines of this process, kept in memory so `GET /api/diagnostics/logs`
 * can answer "what happened to correlation X" without a log stack. Bounded, so a noisy
 * service cannot grow it; old lines are overwritten.
 */
export interface LogRingBuffer {
  /** pino destination interface: receives one serialized JSON line per call. */
  write(line: string): void;
  /** Parsed lines whose `correlationId` equals the argument, oldest first, at most `limit`. */
  linesFor(correlationId: string, limit?: number): Record<string, unknown>[];
  readonly size: number;
  readonly capacity: number;
}

export function createLogRingBuffer({ capacity = 2000 }: { capacity?: number } = {}): LogRingBuffer {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`log ring buffer capacity must be a positive integer, got ${capacity}`);
  }
  const lines: string[] = new Array<string>(capacity);
  let next = 0;
  let size = 0;

  return {
    capacity,
    get size() {
      return size;
    },
    write(line) {
      lines[next] = line;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    linesFor(correlationId, limit = capacity) {
      const found: Record<string, unknown>[] = [];
      const start = (next - size + capacity) % capacity;
      for (let i = 0; i < size; i++) {
        const line = lines[(start + i) % capacity];
        // Cheap substring test first: parsing is only paid for plausible lines, and parsing at
        // read time (rare) rather than write time (every log call) keeps logging fast.
        if (line === undefined || !line.includes(correlationId)) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.correlationId === correlationId) found.push(parsed);
        } catch {
          // A non-JSON line (someone wrote raw text to the destination) is not ours to report.
        }
      }
      return found.slice(-limit);
    },
  };
}
