/**
 * PromQL building blocks of the dashboards. Every selector is scoped to the dashboard's
 * `$system` variable and every rate uses Grafana's `$__rate_interval`.
 */
export const sel = (extra = ''): string => `{system=~"$system"${extra === '' ? '' : `, ${extra}`}}`;
export const rate = (metric: string, extra = ''): string => `rate(${metric}${sel(extra)}[$__rate_interval])`;
export const quantile = (q: number, metric: string, by: string[] = [], extra = ''): string =>
  `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (${rate(`${metric}_bucket`, extra)}))`;
/** A ratio that reads 0, not "no data", while its numerator has never happened. */
export const ratio = (metric: string, part: string, by: string[], whole = ''): string => {
  const group = `sum by (${by.join(', ')})`;
  return `(${group} (${rate(metric, part)}) or ${group} (${rate(metric, whole)}) * 0) / ${group} (${rate(metric, whole)})`;
};
