import { jsonResponse, type OpenApiBuilder } from './builder';

/** The routes every service serves through lib/http (health probes and Prometheus metrics). */
export function documentOperationalRoutes(builder: OpenApiBuilder): void {
  const report = builder.schema('HealthReport', {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok', 'degraded', 'down', 'started', 'starting'] },
      checks: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['status', 'latencyMs'],
          properties: {
            status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
            latencyMs: { type: 'number' },
            detail: { type: 'string' },
          },
        },
      },
    },
  });
  const probes: [string, string, string][] = [
    ['/health', 'health', 'Every dependency check; 503 when a critical one is down.'],
    ['/health/live', 'healthLive', 'The process answers; ignores dependencies.'],
    ['/health/ready', 'healthReady', 'Started and no critical dependency down; 503 otherwise.'],
    ['/health/startup', 'healthStartup', 'Start-up has finished; 503 until then.'],
  ];
  for (const [path, operationId, summary] of probes) {
    builder.operation('get', path, {
      operationId,
      summary,
      tags: ['operations'],
      responses: {
        '200': jsonResponse('Healthy', report),
        ...(path === '/health/live'
          ? {}
          : { '503': jsonResponse('Not healthy, not ready or not started', report) }),
      },
    });
  }
  builder.operation('get', '/metrics', {
    operationId: 'metrics',
    summary: 'Prometheus metrics in the text exposition format',
    tags: ['operations'],
    responses: {
      '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
    },
  });
}
