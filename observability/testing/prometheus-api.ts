/** The few Prometheus HTTP API calls the observability tests make, against a real server. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface QueryAnswer {
  /** What Prometheus said was wrong with the query, if anything. */
  error?: string;
  samples: Sample[];
}

export interface ActiveAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
}

export interface PrometheusApi {
  readonly url: string;
  query(expr: string): Promise<QueryAnswer>;
  alerts(): Promise<ActiveAlert[]>;
  /** Label sets of the targets Prometheus scrapes now, with their health. */
  targets(): Promise<{ labels: Record<string, string>; health: string }[]>;
}

const get = async <T>(url: string): Promise<{ status: string; data?: T; error?: string }> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as { status: string; data?: T; error?: string };
};

export const prometheusApi = (url: string): PrometheusApi => ({
  url,
  async query(expr) {
    const body = await get<{ result: Sample[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (body.status !== 'success') return { error: body.error ?? body.status, samples: [] };
    return { samples: body.data?.result ?? [] };
  },
  async alerts() {
    const body = await get<{ alerts: ActiveAlert[] }>(`${url}/api/v1/alerts`);
    return body.data?.alerts ?? [];
  },
  async targets() {
    const body = await get<{ activeTargets: { labels: Record<string, string>; health: string }[] }>(
      `${url}/api/v1/targets?state=active`,
    );
    return body.data?.activeTargets ?? [];
  },
});
