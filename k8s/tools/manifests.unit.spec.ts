import { parseAllDocuments } from 'yaml';
import { staleGeneratedFiles } from './check';
import { generatedFiles } from './generate';
import { policyViolations } from './policy';
import {
  service,
  serviceMonitor,
  deployment,
  kafkaTopics,
  podDisruptionBudget,
  scaledObject,
  SESSION_TIMEOUT_S,
  type K8sObject,
} from './render';
import { partitionCounts, replicaCap, ROLES } from './roles';
import { strimziViolations } from './strimzi';
import { topicDefinitions } from '../../topics/ensure-topics';

const options = { partitions: partitionCounts(), sessionTimeoutS: SESSION_TIMEOUT_S };
const role = ROLES.find((r) => r.name === 'orders-processor')!;
const clone = <T>(o: T): T => structuredClone(o);
const container = (d: K8sObject): Record<string, unknown> =>
  (d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!;

describe('generated manifests', () => {
  it('the committed files are what the generator writes from roles.ts and topics.json', () => {
    expect(staleGeneratedFiles()).toEqual([]);
  });

  it('one KafkaTopic per topic of topics.json, with its partitions and configs', () => {
    const committed = parseAllDocuments(generatedFiles().get('base/kafka/topics.yaml')!).map(
      (d) => d.toJS() as K8sObject & { spec: { topicName: string; partitions: number; config: object } },
    );
    const wanted = topicDefinitions('');
    expect(committed.map((t) => t.spec.topicName).sort()).toEqual(wanted.map((t) => t.name).sort());
    for (const t of wanted) {
      const topic = committed.find((c) => c.spec.topicName === t.name)!;
      expect(topic.spec.partitions).toBe(t.partitions);
      expect(topic.spec.config).toEqual(t.configs);
    }
    expect(kafkaTopics().flatMap(strimziViolations)).toEqual([]);
  });

  it('caps every consumer-group role at the partitions of the topics it is scaled on', () => {
    for (const r of ROLES.filter((r) => r.kind === 'worker')) {
      expect(replicaCap(r)).toBeLessThanOrEqual(Math.min(...r.topics!.map((t) => partitionCounts().get(t)!)));
    }
    expect(() => replicaCap({ ...role, topics: ['no.such.topic'] })).toThrow(/topics.json does not define/);
  });
});

describe('policy', () => {
  const good = [
    deployment(role),
    podDisruptionBudget(role),
    scaledObject(role),
    service(role),
    serviceMonitor(role),
  ];
  const without = (kind: string): K8sObject[] => good.filter((o) => o.kind !== kind);
  const replaced = (o: K8sObject): K8sObject[] => good.map((g) => (g.kind === o.kind ? o : g));

  it('passes the generated role', () => {
    expect(policyViolations(good, options)).toEqual([]);
  });

  it.each([
    ['livenessProbe', /no livenessProbe/],
    ['readinessProbe', /no readinessProbe/],
    ['startupProbe', /no startupProbe/],
    ['resources', /no cpu request/],
    ['securityContext', /root filesystem is writable/],
  ])('names a Deployment without %s', (field, message) => {
    const d = clone(good[0]!);
    delete container(d)[field];
    expect(policyViolations(replaced(d), options).join('\n')).toMatch(message);
  });

  it('names a Deployment that may run as root', () => {
    const d = clone(good[0]!);
    (container(d).securityContext as Record<string, unknown>).runAsNonRoot = false;
    (
      d.spec as { template: { spec: { securityContext: Record<string, unknown> } } }
    ).template.spec.securityContext.runAsNonRoot = false;
    expect(policyViolations(replaced(d), options).join('\n')).toMatch(/may run as root/);
  });

  it('names a Deployment that no PodDisruptionBudget covers', () => {
    expect(policyViolations(without('PodDisruptionBudget'), options)).toEqual([
      'Deployment/orders-processor: no PodDisruptionBudget selects its pods',
    ]);
  });

  it('names a ScaledObject that scales past its topic partitions', () => {
    const so = clone(good[2]!);
    (so.spec as { maxReplicaCount: number }).maxReplicaCount = 7;
    expect(policyViolations(replaced(so), options)).toEqual([
      'ScaledObject/orders-processor: maxReplicaCount 7 exceeds the 6 partitions of orders.commands',
    ]);
  });

  it('names a worker whose grace period does not cover the session timeout', () => {
    const d = clone(good[0]!);
    (
      d.spec as { template: { spec: { terminationGracePeriodSeconds: number } } }
    ).template.spec.terminationGracePeriodSeconds = 10;
    expect(policyViolations(replaced(d), options).join('\n')).toMatch(
      /does not cover the 30s session timeout/,
    );
  });

  it('names a rolling update that may drop below capacity', () => {
    const d = clone(good[0]!);
    (d.spec as { strategy: unknown }).strategy = {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1 },
    };
    expect(policyViolations(replaced(d), options).join('\n')).toMatch(/maxUnavailable must be 0/);
  });

  it('names a role that no ServiceMonitor scrapes', () => {
    expect(policyViolations(without('ServiceMonitor'), options)).toEqual([
      'Deployment/orders-processor: no ServiceMonitor scrapes its pods',
    ]);
  });

  it('names a Deployment that runs pods beside the Rollout it lends its template to', () => {
    const rollout: K8sObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'orders-processor' },
      spec: { workloadRef: { name: 'orders-processor' }, strategy: { canary: { maxUnavailable: 0 } } },
    };
    expect(policyViolations([...good, rollout], options)).toEqual([
      'Deployment/orders-processor: lends its template to Rollout/orders-processor but does not run at replicas 0',
    ]);
  });

  it('reads a Rollout template from the Deployment its workloadRef names', () => {
    const rollout: K8sObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'r' },
      spec: { workloadRef: { name: 'missing' }, strategy: { canary: { maxUnavailable: 0 } } },
    };
    expect(policyViolations([...good, rollout], options)).toEqual([
      "Rollout/r: no pod template (a Rollout's workloadRef must name a Deployment in the build)",
    ]);
  });
});

describe('Strimzi structure', () => {
  it('names a KafkaTopic without partitions or cluster label', () => {
    const topic = clone(kafkaTopics()[0]!);
    delete (topic.spec as Record<string, unknown>).partitions;
    topic.metadata.labels = {};
    expect(strimziViolations(topic)).toEqual([
      'KafkaTopic/orders-events: spec.partitions must be a number, is undefined',
      'KafkaTopic/orders-events: no strimzi.io/cluster label: no operator will reconcile it',
    ]);
  });
});
