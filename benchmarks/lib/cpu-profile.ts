import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a V8 CPU profile (`node --cpu-prof`) says in a few lines: where the busy time went, by
 * package (a node_modules package, a Node internal, or a file of ours) and by function, self time
 * only. The load test puts this in its report, so each figure comes with the profile behind it.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
}

export interface ProfileSummary {
  /** The process's name, when its profile sits in a folder named after it (npm start writes them so). */
  process?: string;
  /** The entry file of the profiled process, relative to the repository (e.g. `processors/main.ts`). */
  entry: string;
  wallMs: number;
  busyMs: number;
  byPackage: ProfileShare[];
  byFunction: ProfileShare[];
  /**
   * Self time charged to the nearest file of ours on the stack (the sample's own frame or the
   * closest caller that is not a package or Node): what each of our middlewares and handlers
   * costs with the library and runtime work it asks for. `(none of ours)` when no frame is ours.
   */
  byOwnFile: ProfileShare[];
}

const ROOT_PATTERN =
  /^.*?\/(?=(processors|producers|query-api|simulators|lib|bin|domain|schemas|benchmarks)\/)/;
const IDLE = new Set(['(idle)', '(program)']);

const packageOf = (url: string, fn: string): string => {
  const inModules = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1] as string;
  if (url.startsWith('node:')) return url;
  if (url === '') return fn; // (garbage collector), native functions
  return url.replace(/^file:\/\//, '').replace(ROOT_PATTERN, '');
};

/** A frame of this repository's code: a file URL outside node_modules. */
const isOwn = (url: string): boolean =>
  url.startsWith('file://') && !url.includes('/node_modules/') && ROOT_PATTERN.test(url);

export const summarizeProfile = (profile: CpuProfile, top = 12): ProfileSummary => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownFileOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const url = byId.get(at)?.callFrame.url ?? '';
      if (isOwn(url)) return url.replace(/^file:\/\//, '').replace(ROOT_PATTERN, '');
    }
    return '(none of ours)';
  };
  const ownFiles = new Map<string, number>();
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  const entries = new Set<string>();
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const fn = frame.functionName || '(anonymous)';
    if (IDLE.has(fn)) continue;
    busyUs += us;
    const pkg = packageOf(frame.url, fn);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const where = frame.url ? ` ${packageOf(frame.url, fn)}:${frame.lineNumber + 1}` : '';
    functions.set(`${fn}${where}`, (functions.get(`${fn}${where}`) ?? 0) + us);
    const own = ownFileOf(id);
    ownFiles.set(own, (ownFiles.get(own) ?? 0) + us);
  }
  for (const node of profile.nodes) {
    const url = node.callFrame.url.replace(/^file:\/\//, '').replace(ROOT_PATTERN, '');
    if (/(^|\/)main\.ts$|^bin\/role\.ts$/.test(url)) entries.add(url);
  }
  const ranked = (m: Map<string, number>): ProfileShare[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000) }));
  return {
    entry: [...entries].sort((a, b) => b.length - a.length)[0] ?? UNKNOWN_ENTRY,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busyUs / 1000),
    byPackage: ranked(packages),
    byFunction: ranked(functions),
    byOwnFile: ranked(ownFiles),
  };
};

const profilesIn = (dir: string, top: number | undefined, process?: string): ProfileSummary[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({
      ...(process ? { process } : {}),
      ...summarizeProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, top),
    }));

/**
 * Every `.cpuprofile` in `dir` and in its folders, summarised, busiest first. A folder names the
 * process whose profiles it holds (`npm start` gives each process its own), which tells apart
 * processes with the same entry file, such as the pipeline's parts run apart.
 */
export const summarizeProfiles = (dir: string, top?: number): ProfileSummary[] =>
  [
    ...profilesIn(dir, top),
    ...readdirSync(dir)
      .filter((f) => statSync(join(dir, f)).isDirectory())
      .flatMap((sub) => profilesIn(join(dir, sub), top, sub)),
  ].sort((a, b) => b.busyMs - a.busyMs);

const UNKNOWN_ENTRY = '(unknown)';

/**
 * One table per process. Profiles without an entry file (threads beside the main one, such as the
 * TypeScript loader's, busy only while modules load) are counted in one line instead.
 */
export const profileMarkdown = (summaries: readonly ProfileSummary[], top = 8): string => {
  const threads = summaries.filter((s) => s.entry === UNKNOWN_ENTRY);
  const tables = summaries
    .filter((s) => s.entry !== UNKNOWN_ENTRY)
    .map((s) =>
      [
        `#### ${s.process ? `${s.process} (${s.entry})` : s.entry}: ${(s.busyMs / 1000).toFixed(1)} s busy in ${(s.wallMs / 1000).toFixed(0)} s`,
        '',
        '| self time by package | ms | self time by function | ms |',
        '| --- | --- | --- | --- |',
        ...Array.from({ length: top }, (_, i) => {
          const p = s.byPackage[i];
          const f = s.byFunction[i];
          return `| ${p ? `\`${p.name}\`` : ''} | ${p?.ms ?? ''} | ${f ? `\`${f.name}\`` : ''} | ${f?.ms ?? ''} |`;
        }),
      ].join('\n'),
    )
    .join('\n\n');
  if (threads.length === 0) return tables;
  const busy = threads.reduce((sum, s) => sum + s.busyMs, 0);
  return `${tables}\n\n${threads.length} more profiles have no entry file (threads beside a process's main one, such as the TypeScript loader's): ${(busy / 1000).toFixed(1)} s busy in all.`;
};
