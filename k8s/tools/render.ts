import definitions from '../../topics/topics.json';
import { topicDefinitions } from '../../topics/ensure-topics';
import { HEALTH_PORT, replicaCap, type Role } from './roles';

/** A Kubernetes object as the manifests hold it. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string } & Record<string, unknown>;
} & Record<string, unknown>;

export const KAFKA_CLUSTER = 'orderstream';
/** The namespace of the base (k8s/base/kustomization.yaml). */
export const NAMESPACE = 'orderstream';
export const PART_OF = { 'app.kubernetes.io/part-of': 'orderstream' };
/** Consumer session timeout the ConfigMap sets; a worker's grace period covers it plus a batch. */
export const SESSION_TIMEOUT_S = 30;
const WORKER_GRACE_S = SESSION_TIMEOUT_S + 15;
const HTTP_GRACE_S = 30;
const PRE_STOP_S = 5;

const selectorLabels = (role: Role) => ({ 'app.kubernetes.io/name': role.name });
const labels = (role: Role) => ({
  ...selectorLabels(role),
  'app.kubernetes.io/component': role.kind,
  ...PART_OF,
});
const portName = (role: Role) => (role.kind === 'http' || role.kind === 'simulator' ? 'http' : 'metrics');

const probe = (role: Role, path: string, extra: Record<string, number>) => ({
  httpGet: { path, port: portName(role) },
  ...extra,
});

const resourcesOf = (role: Role) =>
  role.kind === 'simulator'
    ? { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '250m', memory: '256Mi' } }
    : { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } };

export const deployment = (role: Role): K8sObject => {
  const serves = role.kind === 'http' || role.kind === 'simulator';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: role.name, labels: labels(role) },
    spec: {
      // Scaled roles leave replicas to their HPA or ScaledObject: a count here would reset it on every apply.
      ...(role.kind === 'singleton' ? { replicas: 1 } : {}),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(role) },
      strategy:
        role.kind === 'singleton'
          ? // One at a time: two followers side by side would both act on the same pending work.
            { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(role) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: serves ? HTTP_GRACE_S : WORKER_GRACE_S,
          // The image's own USER (1000:1000), so files it owns stay readable.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: role.name,
              image: 'orderstream:latest',
              imagePullPolicy: 'IfNotPresent',
              args: [role.name],
              ports: [{ name: portName(role), containerPort: role.port, protocol: 'TCP' }],
              envFrom: [
                { configMapRef: { name: 'orderstream-config' } },
                { secretRef: { name: 'orderstream-secrets' } },
              ],
              env: [
                serves
                  ? { name: 'PORT', value: String(role.port) }
                  : { name: 'HEALTH_PORT', value: String(HEALTH_PORT) },
              ],
              startupProbe: probe(role, '/health/startup', {
                periodSeconds: 2,
                failureThreshold: 60,
                timeoutSeconds: 2,
              }),
              readinessProbe: probe(role, '/health/ready', {
                periodSeconds: 5,
                failureThreshold: 3,
                timeoutSeconds: 2,
              }),
              livenessProbe: probe(role, '/health/live', {
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              }),
              ...(serves ? { lifecycle: { preStop: { sleep: { seconds: PRE_STOP_S } } } } : {}),
              resources: resourcesOf(role),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'auth', mountPath: '/etc/orderstream/auth', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            { name: 'auth', secret: { secretName: 'orderstream-auth' } },
          ],
        },
      },
    },
  };
};

export const service = (role: Role): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: role.name, labels: labels(role) },
  spec: {
    selector: selectorLabels(role),
    ports: [{ name: portName(role), port: role.port, targetPort: portName(role), protocol: 'TCP' }],
  },
});

/** maxUnavailable 1 keeps capacity at two or more replicas and never blocks a drain at one. */
export const podDisruptionBudget = (role: Role): K8sObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: role.name, labels: labels(role) },
  spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(role) } },
});

export const horizontalPodAutoscaler = (role: Role): K8sObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: role.name, labels: labels(role) },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: role.name },
    minReplicas: 1,
    maxReplicas: 6,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
  },
});

export const scaledObject = (role: Role): K8sObject => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: role.name, labels: labels(role) },
  spec: {
    scaleTargetRef: { name: role.name },
    minReplicaCount: 1,
    maxReplicaCount: replicaCap(role),
    pollingInterval: 15,
    // A rebalance costs a session timeout; scaling down slowly keeps the group from churning.
    cooldownPeriod: 300,
    triggers: (role.topics ?? []).map((topic) => ({
      type: 'kafka',
      metadata: {
        // KEDA's operator resolves this from its own namespace: the name must be qualified.
        bootstrapServers: `${KAFKA_CLUSTER}-kafka-bootstrap.${NAMESPACE}.svc:9092`,
        consumerGroup: role.consumerGroup,
        topic,
        lagThreshold: '100',
        offsetResetPolicy: 'earliest',
        allowIdleConsumers: 'false',
        limitToPartitionsWithLag: 'false',
      },
    })),
  },
});

export const serviceMonitor = (role: Role): K8sObject => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: { name: role.name, labels: labels(role) },
  spec: {
    selector: { matchLabels: selectorLabels(role) },
    // The canary analysis tells new pods from old ones by this label (overlays/production).
    podTargetLabels: ['rollouts-pod-template-hash'],
    endpoints: [{ port: portName(role), path: '/metrics', interval: '15s' }],
  },
});

export const roleObjects = (role: Role): K8sObject[] => [
  deployment(role),
  service(role),
  podDisruptionBudget(role),
  ...(role.kind === 'http' ? [horizontalPodAutoscaler(role)] : []),
  ...(role.kind === 'worker' ? [scaledObject(role)] : []),
  serviceMonitor(role),
];

/** Ingress to each role on its own port: APIs from the ingress controller, metrics from Prometheus. */
export const networkPolicy = (role: Role): K8sObject => {
  const from: unknown[] = [
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
  ];
  if (role.kind === 'http') {
    from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } });
  }
  if (role.kind === 'simulator' || role.kind === 'http') {
    // Simulators are called by the workers; the APIs by each other's clients in the namespace.
    from.push({ podSelector: { matchLabels: PART_OF } });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${role.name}-ingress`, labels: labels(role) },
    spec: {
      podSelector: { matchLabels: selectorLabels(role) },
      policyTypes: ['Ingress'],
      ingress: [{ from, ports: [{ protocol: 'TCP', port: portName(role) }] }],
    },
  };
};

/** One KafkaTopic per topic topics.json defines, with the same partitions and configs. */
export const kafkaTopics = (replicas = 3): K8sObject[] =>
  topicDefinitions('', definitions).map((t) => ({
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaTopic',
    metadata: {
      // Object names cannot hold every topic name; spec.topicName keeps the real one.
      name: t.name.replaceAll('.', '-'),
      labels: { 'strimzi.io/cluster': KAFKA_CLUSTER, ...PART_OF },
    },
    spec: { topicName: t.name, partitions: t.partitions, replicas, config: t.configs },
  }));
