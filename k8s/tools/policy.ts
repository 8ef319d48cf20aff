import type { K8sObject } from './render';

/**
 * Rules every built overlay must keep. Pure: objects in, violations out, so the unit test
 * can feed it broken objects and the check can feed it `kustomize build` output.
 */
type Obj = K8sObject;
type Container = {
  name?: string;
  startupProbe?: unknown;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
};
type PodSpec = {
  containers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  terminationGracePeriodSeconds?: number;
};
type Workload = {
  kind: string;
  name: string;
  labels: Record<string, string>;
  pod?: PodSpec;
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: unknown } };
  component?: string;
};

const get = <T>(o: unknown, ...path: string[]): T | undefined =>
  path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
    o,
  ) as T | undefined;

const idOf = (o: Obj): string => `${o.kind}/${o.metadata.name}`;

/** Deployments, and Rollouts that carry a template or borrow one from a Deployment (workloadRef). */
const workloads = (objects: Obj[]): Workload[] => {
  const byName = new Map(objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o]));
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Rollout')
    .map((o) => {
      const ref = get<string>(o, 'spec', 'workloadRef', 'name');
      const source = o.kind === 'Rollout' && ref ? byName.get(ref) : o;
      const labels = get<Record<string, string>>(source, 'spec', 'template', 'metadata', 'labels') ?? {};
      return {
        kind: o.kind,
        name: o.metadata.name,
        labels,
        pod: get<PodSpec>(source, 'spec', 'template', 'spec'),
        strategy:
          o.kind === 'Deployment'
            ? get(o, 'spec', 'strategy')
            : {
                type: 'Canary',
                rollingUpdate: { maxUnavailable: get(o, 'spec', 'strategy', 'canary', 'maxUnavailable') },
              },
        component: labels['app.kubernetes.io/component'],
      };
    });
};

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

export interface PolicyOptions {
  /** Partition count by topic name, from topics/topics.json. */
  partitions: Map<string, number>;
  /** The consumer session timeout the workers run with, in seconds. */
  sessionTimeoutS: number;
}

export const policyViolations = (objects: Obj[], options: PolicyOptions): string[] => {
  const out: string[] = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const w of workloads(objects)) {
    const id = `${w.kind}/${w.name}`;
    if (!w.pod) {
      out.push(`${id}: no pod template (a Rollout's workloadRef must name a Deployment in the build)`);
      continue;
    }
    const containers = w.pod.containers ?? [];
    if (containers.length === 0) out.push(`${id}: no containers`);
    for (const c of containers) {
      const cid = `${id} container ${c.name ?? '?'}`;
      for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        if (!c[p]) out.push(`${cid}: no ${p}`);
      }
      for (const r of ['cpu', 'memory']) {
        if (c.resources?.requests?.[r] === undefined) out.push(`${cid}: no ${r} request`);
        if (c.resources?.limits?.[r] === undefined) out.push(`${cid}: no ${r} limit`);
      }
      const sc = c.securityContext ?? {};
      if (sc.runAsNonRoot !== true && w.pod.securityContext?.runAsNonRoot !== true)
        out.push(`${cid}: may run as root`);
      if (sc.readOnlyRootFilesystem !== true) out.push(`${cid}: root filesystem is writable`);
      if (sc.allowPrivilegeEscalation !== false) out.push(`${cid}: allows privilege escalation`);
      if (!sc.capabilities?.drop?.includes('ALL')) out.push(`${cid}: does not drop ALL capabilities`);
    }
    if (w.pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault')
      out.push(`${id}: seccomp is not RuntimeDefault`);
    if (w.strategy?.type !== 'Recreate' && String(w.strategy?.rollingUpdate?.maxUnavailable) !== '0') {
      out.push(`${id}: a rolling update may drop below capacity (maxUnavailable must be 0)`);
    }
    if (w.component === 'worker' || w.component === 'singleton') {
      const grace = w.pod.terminationGracePeriodSeconds ?? 30;
      if (grace <= options.sessionTimeoutS) {
        out.push(
          `${id}: grace period ${grace}s does not cover the ${options.sessionTimeoutS}s session timeout and a batch`,
        );
      }
    }
    if (!pdbs.some((p) => selects(get(p, 'spec', 'selector', 'matchLabels'), w.labels))) {
      out.push(`${id}: no PodDisruptionBudget selects its pods`);
    }
  }

  // A Deployment that lends its template to a Rollout must not run pods of its own beside it.
  for (const r of objects.filter((o) => o.kind === 'Rollout')) {
    const ref = get<string>(r, 'spec', 'workloadRef', 'name');
    const lent = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === ref);
    if (lent && get<number>(lent, 'spec', 'replicas') !== 0) {
      out.push(`${idOf(lent)}: lends its template to ${idOf(r)} but does not run at replicas 0`);
    }
  }
  // Every role is scraped: a ServiceMonitor selects a Service that selects its pods.
  const services = objects.filter((o) => o.kind === 'Service');
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
  for (const w of workloads(objects).filter((w) => w.pod)) {
    const scraped = services.some(
      (s) =>
        selects(get(s, 'spec', 'selector'), w.labels) &&
        monitors.some((m) =>
          selects(get(m, 'spec', 'selector', 'matchLabels'), get(s, 'metadata', 'labels') ?? {}),
        ),
    );
    if (!scraped) out.push(`${w.kind}/${w.name}: no ServiceMonitor scrapes its pods`);
  }

  for (const so of objects.filter((o) => o.kind === 'ScaledObject')) {
    const max = get<number>(so, 'spec', 'maxReplicaCount');
    const triggers =
      get<{ type?: string; metadata?: Record<string, string> }[]>(so, 'spec', 'triggers') ?? [];
    if (max === undefined) out.push(`${idOf(so)}: no maxReplicaCount`);
    for (const t of triggers.filter((t) => t.type === 'kafka')) {
      const topic = t.metadata?.topic;
      if (!t.metadata?.consumerGroup) out.push(`${idOf(so)}: a kafka trigger without consumerGroup`);
      const count = topic === undefined ? undefined : options.partitions.get(topic);
      if (count === undefined)
        out.push(`${idOf(so)}: trigger topic ${topic ?? '(none)'} is not in topics.json`);
      else if (max !== undefined && max > count) {
        out.push(`${idOf(so)}: maxReplicaCount ${max} exceeds the ${count} partitions of ${topic}`);
      }
    }
  }
  // An HPA on a role that consumes a topic must respect the same cap.
  const triggersOf = new Map(
    objects
      .filter((o) => o.kind === 'ScaledObject')
      .map((o) => [get<string>(o, 'spec', 'scaleTargetRef', 'name'), o] as const),
  );
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const target = get<string>(hpa, 'spec', 'scaleTargetRef', 'name');
    if (target && triggersOf.has(target)) {
      out.push(`${idOf(hpa)}: ${target} is scaled by both an HPA and a ScaledObject`);
    }
    const max = get<number>(hpa, 'spec', 'maxReplicas') ?? 0;
    const min = get<number>(hpa, 'spec', 'minReplicas') ?? 1;
    if (min > max) out.push(`${idOf(hpa)}: minReplicas ${min} exceeds maxReplicas ${max}`);
  }
  for (const so of objects.filter((o) => o.kind === 'ScaledObject')) {
    const min = get<number>(so, 'spec', 'minReplicaCount') ?? 0;
    const max = get<number>(so, 'spec', 'maxReplicaCount') ?? 100;
    if (min > max) out.push(`${idOf(so)}: minReplicaCount ${min} exceeds maxReplicaCount ${max}`);
  }
  return out;
};
