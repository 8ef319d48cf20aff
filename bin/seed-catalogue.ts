import type { Kafka } from '../lib/adapters/kafka/types';
import type { RegisterProduct } from '../domain/inventory/commands';
import { listProducts } from '../domain/catalog/catalog';
import { aggregatePartitioner } from '../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../lib/adapters/kafka/command-protocol';
import type { TopicNames } from '../topics/names';

/**
 * Registers every product of domain/catalog/products.json in the inventory with a starting
 * stock. Command ids are `seed:<sku>`, so running it twice changes nothing: the second
 * RegisterProduct of a SKU is answered as a duplicate (or refused as already registered).
 */
export const seedCatalogue = async (
  kafka: Kafka,
  topics: TopicNames,
  stock: number,
  issuedAt = new Date().toISOString(),
): Promise<number> => {
  const products = listProducts();
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  try {
    const commands: RegisterProduct[] = products.map((p) => ({
      type: 'RegisterProduct',
      sku: p.sku,
      name: p.name,
      price: p.price,
      category: p.category,
      initialStock: stock,
      lowStockThreshold: Math.max(1, Math.floor(stock / 10)),
      meta: { commandId: `seed:${p.sku}`, correlationId: 'seed-catalogue', issuedAt },
    }));
    await producer.send({
      topic: topics.commands('inventory'),
      messages: commands.map((c) => commandMessage(c.sku, c)),
    });
    return commands.length;
  } finally {
    await producer.disconnect();
  }
};
