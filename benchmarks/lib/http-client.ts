import http from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
}

export interface JsonClient {
  post(path: string, body: unknown): Promise<JsonResponse>;
  close(): void;
}

/**
 * A keep-alive JSON client on node:http: one socket per concurrent caller, reused for every
 * request, so the benchmark measures the service and not TCP set-up (nor a client library).
 */
export const createJsonClient = (
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
): JsonClient => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const base = new URL(baseUrl);
  return {
    post: (path, body) =>
      new Promise((resolve, reject) => {
        const payload = Buffer.from(JSON.stringify(body));
        const req = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            path,
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              let parsed: unknown = text;
              try {
                parsed = text === '' ? undefined : JSON.parse(text);
              } catch {
                // A non-JSON body (a proxy error page) is kept as text for the error count.
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('timeout', () =>
          req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })),
        );
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
};
