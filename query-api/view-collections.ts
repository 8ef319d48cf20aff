import type { Collection, Db, Document } from '../lib/adapters/mongo';
import { ALIAS_COLLECTION, defaultCollection, type ViewName } from '../lib/read-models/views';
import { createSingleFlight } from './single-flight';

interface AliasDocument {
  _id: string;
  collection: string;
  swappedAt?: string;
}

export interface ViewCollections {
  /** The physical collection currently behind `view` (views.ts: `view_aliases`, else `<view>_view`). */
  collection<T extends Document>(view: ViewName): Promise<Collection<T>>;
  /** Forgets the cached aliases (tests, or after a replay this instance started itself). */
  forget(): void;
}

/**
 * Resolves views through `view_aliases`, caching each alias briefly: a replay swaps an alias
 * once per rebuild, so a second of lag is invisible, while a read per request would double the
 * MongoDB round trips of every query.
 */
export function createViewCollections({
  db,
  ttlMs = 1000,
  now = Date.now,
}: {
  db: Db;
  ttlMs?: number;
  now?: () => number;
}): ViewCollections {
  const aliases = db.collection<AliasDocument>(ALIAS_COLLECTION);
  const cached = new Map<ViewName, { name: string; at: number }>();
  const flights = createSingleFlight<string>();

  async function physicalName(view: ViewName): Promise<string> {
    const hit = cached.get(view);
    if (hit && now() - hit.at < ttlMs) return hit.name;
    return flights.run(view, async () => {
      const alias = await aliases.findOne({ _id: view });
      const name =
        typeof alias?.collection === 'string' && alias.collection !== ''
          ? alias.collection
          : defaultCollection(view);
      cached.set(view, { name, at: now() });
      return name;
    });
  }

  return {
    async collection<T extends Document>(view: ViewName) {
      return db.collection<T>(await physicalName(view));
    },
    forget: () => cached.clear(),
  };
}
