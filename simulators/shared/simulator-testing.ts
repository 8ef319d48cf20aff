import type Koa from 'koa';
import { listen, type HttpServerHandle } from '../../lib/http/app';

/** In-process tests: a simulator app on an ephemeral loopback port, with tiny JSON helpers. */
export interface RunningSimulator extends HttpServerHandle {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestReply>;
  get(path: string): Promise<TestReply>;
}

export interface TestReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  elapsedMs: number;
}

async function toReply(response: Response, started: number): Promise<TestReply> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    elapsedMs: performance.now() - started,
  };
}

export async function startSimulator(app: Koa): Promise<RunningSimulator> {
  const handle = await listen(app, 0, '127.0.0.1', { graceMs: 100 });
  return Object.assign(handle, {
    async post(path: string, body: unknown, headers: Record<string, string> = {}) {
      const started = performance.now();
      const response = await fetch(`${handle.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return toReply(response, started);
    },
    async get(path: string) {
      const started = performance.now();
      return toReply(await fetch(`${handle.url}${path}`), started);
    },
  });
}

/** Draws from a script, then `fallback`: makes errorRate/timeoutRate decisions exact in tests. */
export const scriptedRandom =
  (draws: number[], fallback = 0.999): (() => number) =>
  () =>
    draws.shift() ?? fallback;
