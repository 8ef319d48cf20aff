/** The alert names of a Prometheus rules file (`groups[].rules[].alert`), in file order. */
export const declaredAlerts = (rulesFile: unknown): string[] => {
  const groups = (rulesFile as { groups?: { rules?: { alert?: unknown }[] }[] } | null)?.groups;
  if (!Array.isArray(groups)) throw new Error('not a Prometheus rules file: no groups');
  return groups.flatMap((g) =>
    (g.rules ?? []).map((r) => r.alert).filter((a): a is string => typeof a === 'string'),
  );
};

/** The alert names a Prometheus `/api/v1/rules` answer lists, over every group. */
export const loadedAlerts = (answer: unknown): string[] => {
  const body = answer as {
    status?: string;
    data?: { groups?: { rules?: { type?: string; name?: string }[] }[] };
  };
  if (body?.status !== 'success' || !Array.isArray(body.data?.groups))
    throw new Error(`not a successful /api/v1/rules answer: ${JSON.stringify(answer).slice(0, 200)}`);
  return body.data.groups.flatMap((g) =>
    (g.rules ?? [])
      .filter((r) => r.type === 'alerting' && typeof r.name === 'string')
      .map((r) => r.name as string),
  );
};

/** Which declared alerts a running Prometheus has not loaded. A file without alerts is an error. */
export const missingAlerts = (
  rulesFile: unknown,
  answer: unknown,
): { declared: string[]; missing: string[] } => {
  const declared = declaredAlerts(rulesFile);
  if (declared.length === 0) throw new Error('the rules file declares no alert');
  const loaded = new Set(loadedAlerts(answer));
  return { declared, missing: declared.filter((name) => !loaded.has(name)) };
};
