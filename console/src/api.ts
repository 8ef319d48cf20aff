import { token } from './session';

/** Where the other services are, as the query API's /console/config.json says. */
export interface ConsoleSettings {
  services: { name: string; url: string }[];
  prometheusUrl?: string;
}

let settings: ConsoleSettings = { services: [] };
export const loadSettings = async (): Promise<ConsoleSettings> => {
  const res = await fetch('config.json');
  if (res.ok) settings = (await res.json()) as ConsoleSettings;
  // This page is served by the query API: reach it on the page's own origin, whatever name it was given.
  settings.services = settings.services.map((s) => (s.name === 'query-api' ? { ...s, url: '' } : s));
  return settings;
};
export const consoleSettings = (): ConsoleSettings => settings;

/** The base URL of a service by name; the query API is this page's own origin. */
export const serviceUrl = (name: string): string | undefined =>
  name === 'query-api' ? '' : settings.services.find((s) => s.name === name)?.url;

/** A problem+json answer (or a network failure) as one error with the text an operator should read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const authHeaders = (extra: Record<string, string> = {}): Record<string, string> => {
  const value = token();
  return value ? { ...extra, authorization: `Bearer ${value}` } : extra;
};

export async function call<T>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = authHeaders({
    ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...((rest.headers as Record<string, string> | undefined) ?? {}),
  });
  let res: Response;
  try {
    res = await fetch(url, {
      ...rest,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, `${url} did not answer (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      const problem = JSON.parse(text) as { title?: string; detail?: string };
      detail = problem.detail ?? problem.title ?? text;
    } catch {
      // not problem+json; the raw text says it
    }
    throw new ApiError(res.status, `${res.status}: ${detail}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export interface ServerEvent {
  event: string;
  data: string;
}

/**
 * Server-Sent Events over fetch, because EventSource cannot send the Authorization header. It
 * reconnects after a dropped stream until `stop()`; `onOpen` runs on every (re)connection.
 */
export function subscribe(
  url: string,
  onEvent: (event: ServerEvent) => void,
  { onOpen, onError }: { onOpen?: () => void; onError?: (err: Error) => void } = {},
): () => void {
  const controller = new AbortController();
  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(url, { headers: authHeaders(), signal: controller.signal });
        if (!res.ok || !res.body) throw new ApiError(res.status, `${url}: ${res.status}`);
        onOpen?.();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length > 0) onEvent({ event, data: data.join('\n') });
          }
        }
        // A stream that ended by itself (an order reached its end) is not reopened.
        return;
      } catch (err) {
        if (controller.signal.aborted) return;
        onError?.(err instanceof Error ? err : new Error(String(err)));
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) return;
        await new Promise((r) => setTimeout(r, 3_000));
      }
    }
  };
  void run();
  return () => controller.abort();
}
