import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from '../../lib/adapters/kafka/types';
import pino from 'pino';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { createMetrics } from '../../lib/observability/metrics';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { AVRO_LONG } from '../../schemas/field-bounds';
import { testEndpoints } from '../support/env';
import { startProcessorFleet, type ProcessorFleet } from '../support/processor-fleet';
import { UNENCODABLE_PRODUCT } from '../../producers/command-api/testing/unencodable-product';
import { fetchAsAdmin, testAuth } from '../support/auth';

jest.setTimeout(90_000);

describe('an unencodable product registration, end to end', () => {
  let fleet: ProcessorFleet;
  let redis: Redis;
  let api: CommandApi;
  let server: HttpServerHandle;

  beforeAll(async () => {
    fleet = await startProcessorFleet({ aggregates: ['inventory'] });
    redis = createRedis(testEndpoints().redisUrl, 'e2e-poison');
    api = await createCommandApi({
      verifier: (await testAuth()).verifier,
      kafka: fleet.kafka,
      redis,
      topics: fleet.topics,
      replyTimeoutMs: 20_000,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ service: 'e2e-poison', defaultMetrics: false }),
    });
    server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
    api.health.markStarted();
  });

  afterAll(async () => {
    await server?.close();
    await api?.stop();
    await fleet?.close();
    await redis?.quit();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetchAsAdmin(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('is a 400 problem naming lowStockThreshold at the HTTP edge, and the document says why', async () => {
    const response = await post('/api/commands/inventory/products', UNENCODABLE_PRODUCT);
    expect(response.status).toBe(400);
    expect(response.type).toContain('application/problem+json');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'lowStockThreshold' })]);

    const document = (await (await fetchAsAdmin(`${server.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, { maximum?: number }> }> };
    };
    expect(document.components.schemas.InventoryProductsBody?.properties.lowStockThreshold?.maximum).toBe(
      AVRO_LONG.maximum,
    );
  });

  it('written to Kafka past the edge, is answered with an error and dead-lettered; the processor goes on', async () => {
    const commandId = await fleet.send('inventory', '0', { type: 'RegisterProduct', ...UNENCODABLE_PRODUCT });
    expect(await fleet.reply(commandId)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'lowStockThreshold' })] },
    });

    const isIt = (m: KafkaMessage) => headerString(m.headers, HEADERS.commandId) === commandId;
    const [dead] = (
      await fleet.read(fleet.topics.deadLetter('inventory-command-processor'), (ms) => ms.some(isIt))
    ).filter(isIt);
    expect(headerString(dead?.headers, HEADERS.deadLetterReason)).toMatch(/lowStockThreshold/);

    // The same partition still takes commands, over HTTP.
    const sku = fleet.samePartitionAs('0', (i) => `SKU-${randomUUID().slice(0, 6)}-${i}`);
    const created = await post('/api/commands/inventory/products', {
      ...UNENCODABLE_PRODUCT,
      sku,
      lowStockThreshold: 2,
    });
    expect(created).toMatchObject({ status: 201, body: { sku, version: 2 } });
    expect(fleet.fatal).toEqual([]);
  });
});
