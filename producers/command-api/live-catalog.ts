import type { Kafka } from '../../lib/adapters/kafka/types';
import type { Logger } from 'pino';
import { priceOnSale, type Catalog, type Product } from '../../domain/catalog/catalog';
import { evolveCatalogProduct } from '../../domain/catalog/evolve-product';
import type { InventoryEvent } from '../../domain/inventory/events';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import type { TopicNames } from '../../topics/names';

/** The follower's consumer-group name for its dead-letter topic (topics.json). */
export const CATALOGUE_GROUP = 'catalogue';

export interface LiveCatalog extends Catalog {
  /** How many products it knows (retired ones included). */
  size(): number;
  stop(): Promise<void>;
}

export interface LiveCatalogOptions {
  kafka: Kafka;
  topics: TopicNames;
  decode: (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;
  logger?: Logger;
  onFatal?: (error: Error) => void;
}

/**
 * The products the system knows, kept in memory by the inventory events themselves: every
 * command-API instance follows `inventory.events` from the beginning (as the saga's timers do)
 * and prices new order lines from what it has read. A product registered, repriced or retired
 * a moment ago is priced the new way as soon as its event reaches this instance; an order line
 * already added keeps its unitPrice, which its own event carries.
 */
export async function startLiveCatalog({
  kafka,
  topics,
  decode,
  logger,
  onFatal,
}: LiveCatalogOptions): Promise<LiveCatalog> {
  const products = new Map<string, Product>();
  const follower = await followEvents({
    kafka,
    topic: topics.events('inventory'),
    decode,
    deadLetterTopic: topics.deadLetter(CATALOGUE_GROUP),
    ...(logger ? { logger } : {}),
    ...(onFatal ? { onFatal } : {}),
    onEvent: ({ aggregateId, type, data }) => {
      const next = evolveCatalogProduct(products.get(aggregateId), aggregateId, {
        type,
        data,
      } as InventoryEvent);
      if (next) products.set(aggregateId, next);
    },
  });
  return {
    productOf: (sku) => products.get(sku),
    priceOf: (sku) => priceOnSale(products.get(sku)),
    list: () => [...products.values()].sort((a, b) => a.sku.localeCompare(b.sku)),
    size: () => products.size,
    stop: () => follower.stop(),
  };
}
