import http from 'node:http';

export interface GetResponse {
  status: number;
  /** The `X-Cache` header (hit, miss, stale), when the service sent one. */
  cache: string | undefined;
  bytes: number;
}

export interface GetClient {
  /** `signal` aborts the request, waiting for a socket included. */
  get(path: string, signal?: AbortSignal): Promise<GetResponse>;
  close(): void;
}

/**
 * A keep-alive GET client on node:http, like http-client.ts: one socket per concurrent caller.
 * The body is counted, not parsed, so the client spends its CPU on sending load, not on JSON.
 */
export const createGetClient = (
  baseUrl: string,
  {
    sockets,
    timeoutMs,
    headers = {},
  }: {
    sockets: number;
    timeoutMs: number;
    /** Sent with every request (Authorization). */ headers?: Record<string, string>;
  },
): GetClient => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const base = new URL(baseUrl);
  return {
    get: (path, signal) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            path,
            method: 'GET',
            timeout: timeoutMs,
            headers,
            ...(signal ? { signal } : {}),
          },
          (res) => {
            let bytes = 0;
            res.on('data', (chunk: Buffer) => (bytes += chunk.length));
            res.on('error', reject);
            res.on('end', () => {
              const cache = res.headers['x-cache'];
              resolve({ status: res.statusCode ?? 0, cache: Array.isArray(cache) ? cache[0] : cache, bytes });
            });
          },
        );
        req.on('timeout', () =>
          req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })),
        );
        req.on('error', reject);
        req.end();
      }),
    close: () => agent.destroy(),
  };
};
