import type { K8sObject } from './render';

/**
 * No registry package ships Strimzi's CRD schemas (its Maven `api` artifact carries the Java
 * model only), so its kinds get a structural check of the fields the operator requires.
 */
const get = (o: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      o,
    );

const REQUIRED: Record<string, [string, 'string' | 'number' | 'object' | 'array'][]> = {
  Kafka: [
    ['spec.kafka.listeners', 'array'],
    ['spec.kafka.version', 'string'],
    ['spec.entityOperator.topicOperator', 'object'],
  ],
  KafkaNodePool: [
    ['metadata.labels.strimzi.io/cluster', 'string'],
    ['spec.replicas', 'number'],
    ['spec.roles', 'array'],
    ['spec.storage.type', 'string'],
  ],
  KafkaTopic: [
    ['spec.topicName', 'string'],
    ['spec.partitions', 'number'],
    ['spec.replicas', 'number'],
    ['spec.config', 'object'],
  ],
};

const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

export const STRIMZI_KINDS = new Set(Object.keys(REQUIRED));

export const strimziViolations = (o: K8sObject): string[] => {
  const out: string[] = [];
  const id = `${o.kind}/${o.metadata.name}`;
  if (o.apiVersion !== 'kafka.strimzi.io/v1beta2')
    out.push(`${id}: apiVersion ${o.apiVersion} is not kafka.strimzi.io/v1beta2`);
  for (const [path, type] of REQUIRED[o.kind] ?? []) {
    // A label key holds dots of its own; it is looked up whole.
    const value = path.startsWith('metadata.labels.')
      ? (o.metadata.labels as Record<string, unknown> | undefined)?.[path.slice('metadata.labels.'.length)]
      : get(o, path);
    if (typeOf(value) !== type) out.push(`${id}: ${path} must be a ${type}, is ${typeOf(value)}`);
  }
  if (o.kind === 'KafkaTopic' || o.kind === 'KafkaNodePool') {
    if (
      typeof (o.metadata.labels as Record<string, unknown> | undefined)?.['strimzi.io/cluster'] !== 'string'
    ) {
      out.push(`${id}: no strimzi.io/cluster label: no operator will reconcile it`);
    }
  }
  if (o.kind === 'KafkaTopic') {
    const config = (get(o, 'spec.config') ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(config)) {
      if (!['string', 'number', 'boolean'].includes(typeof v))
        out.push(`${id}: config ${k} must be a scalar`);
    }
    const partitions = get(o, 'spec.partitions');
    if (typeof partitions === 'number' && partitions < 1) out.push(`${id}: partitions must be at least 1`);
  }
  if (o.kind === 'Kafka') {
    const a = (o.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    if (a['strimzi.io/kraft'] !== 'enabled' || a['strimzi.io/node-pools'] !== 'enabled') {
      out.push(
        `${id}: must run in KRaft mode with node pools (strimzi.io/kraft, strimzi.io/node-pools: enabled)`,
      );
    }
  }
  return out;
};
