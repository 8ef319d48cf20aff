import type { K8sObject } from './render';

/**
 * Operator kinds validated against their CRD schemas as the @kubernetes-models packages
 * compile them (KEDA, Prometheus Operator, Argo Rollouts). Strimzi's are not in any registry
 * package: strimzi.ts checks its kinds' structure instead.
 */
const MODELS: Record<string, string> = {
  'keda.sh/v1alpha1/ScaledObject': '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
  'monitoring.coreos.com/v1/ServiceMonitor':
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule':
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
  'argoproj.io/v1alpha1/Rollout': '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout',
  'argoproj.io/v1alpha1/AnalysisTemplate':
    '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate',
};

type ModelClass = new (data: unknown) => { validate(): void };

export const crdModelFor = (o: K8sObject): string | undefined => MODELS[`${o.apiVersion}/${o.kind}`];

/** The CRD schema's complaints about one object; empty when it validates. */
export const crdViolations = async (o: K8sObject): Promise<string[]> => {
  const specifier = crdModelFor(o);
  if (!specifier) return [`${o.kind}/${o.metadata.name}: no CRD schema for ${o.apiVersion} ${o.kind}`];
  // The packages are ES modules only; loaded at run time, not through the compiler's resolution.
  const module = (await import(specifier)) as Record<string, ModelClass>;
  const Model = module[o.kind];
  if (!Model) throw new Error(`${specifier} exports no ${o.kind}`);
  try {
    new Model(o).validate();
    return [];
  } catch (err) {
    return [`${o.kind}/${o.metadata.name}: ${(err as Error).message}`];
  }
};
