import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileMarkdown, summarizeProfile, summarizeProfiles } from './cpu-profile';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summarizeProfile', () => {
  // given a profile with idle time, a library, a Node internal and a file of ours
  const profile = {
    startTime: 0,
    endTime: 10_000_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('send', 'file:///repo/node_modules/kafkajs/src/network/connection.js', 377) },
      { id: 4, callFrame: frame('writev', '') },
      { id: 5, callFrame: frame('evolve', 'file:///repo/processors/projections/projection-views.ts', 9) },
      { id: 6, callFrame: frame('', 'file:///repo/processors/main.ts') },
      {
        id: 7,
        callFrame: frame('encode', 'file:///repo/node_modules/@kafkajs/confluent-schema-registry/x.js'),
      },
    ],
    samples: [2, 3, 3, 4, 5, 7, 2],
    timeDeltas: [5_000_000, 1_000_000, 1_000_000, 500_000, 250_000, 250_000, 2_000_000],
  };

  it('ranks self time by package and by function, leaving idle time out', () => {
    // when
    const summary = summarizeProfile(profile);
    // then
    expect(summary).toMatchObject({ entry: 'processors/main.ts', wallMs: 10_000, busyMs: 3_000 });
    expect(summary.byPackage).toEqual([
      { name: 'kafkajs', ms: 2_000 },
      { name: 'writev', ms: 500 },
      { name: 'processors/projections/projection-views.ts', ms: 250 },
      { name: '@kafkajs/confluent-schema-registry', ms: 250 },
    ]);
    expect(summary.byFunction[0]).toEqual({ name: 'send kafkajs:378', ms: 2_000 });
  });

  it('renders one table per process', () => {
    const markdown = profileMarkdown([summarizeProfile(profile)], 2);
    expect(markdown).toContain('#### processors/main.ts: 3.0 s busy in 10 s');
    expect(markdown).toContain('| `kafkajs` | 2000 | `send kafkajs:378` | 2000 |');
    expect(markdown.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(2);
  });
});

describe('self time by the nearest file of ours', () => {
  it('charges library and runtime work to the file of ours that called it', () => {
    // given: root → access-control.ts → @koa/router → view-routes.ts → JSON work (native, no url),
    // and root → writev (no file of ours on the stack)
    const profile = {
      startTime: 0,
      endTime: 10_000_000,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 6] },
        { id: 2, callFrame: frame('', 'file:///repo/lib/http/access-control.ts'), children: [3] },
        {
          id: 3,
          callFrame: frame('dispatch', 'file:///repo/node_modules/@koa/router/lib/router.js'),
          children: [4],
        },
        { id: 4, callFrame: frame('', 'file:///repo/query-api/view-routes.ts'), children: [5] },
        { id: 5, callFrame: frame('stringify', '') },
        { id: 6, callFrame: frame('writev', '') },
      ],
      samples: [2, 3, 3, 4, 5, 5, 5, 6],
      timeDeltas: [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000],
    };
    // when
    const { byOwnFile } = summarizeProfile(profile);
    // then the router's time is access control's, the JSON work the route's
    expect(byOwnFile).toEqual([
      { name: 'query-api/view-routes.ts', ms: 4 },
      { name: 'lib/http/access-control.ts', ms: 3 },
      { name: '(none of ours)', ms: 1 },
    ]);
  });
});

describe('summarizeProfiles', () => {
  const profileOf = (entry: string | undefined, busyUs: number) => ({
    startTime: 0,
    endTime: 10_000_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('work', `file:///repo/${entry ?? 'node_modules/tsx/dist/loader.js'}`) },
    ],
    samples: [2],
    timeDeltas: [busyUs],
  });
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'profiles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names each process after its folder, so processes with one entry file are told apart, and counts entry-less threads in one line', () => {
    // given the saga and the orders processor (one entry file), a loader thread, and a loose profile
    for (const [folder, entry, us] of [
      ['saga', 'bin/role.ts', 3_000_000],
      ['orders-processor', 'bin/role.ts', 2_000_000],
      ['saga', undefined, 500_000],
    ] as const) {
      mkdirSync(join(dir, folder), { recursive: true });
      writeFileSync(join(dir, folder, `CPU.${us}.cpuprofile`), JSON.stringify(profileOf(entry, us)));
    }
    writeFileSync(join(dir, 'CPU.1.cpuprofile'), JSON.stringify(profileOf('query-api/main.ts', 1_000_000)));
    // when
    const summaries = summarizeProfiles(dir);
    const markdown = profileMarkdown(summaries);
    // then
    expect(summaries.map((s) => [s.process, s.entry, s.busyMs])).toEqual([
      ['saga', 'bin/role.ts', 3_000],
      ['orders-processor', 'bin/role.ts', 2_000],
      [undefined, 'query-api/main.ts', 1_000],
      ['saga', '(unknown)', 500],
    ]);
    expect(markdown).toContain('#### saga (bin/role.ts): 3.0 s busy in 10 s');
    expect(markdown).toContain('#### orders-processor (bin/role.ts): 2.0 s busy in 10 s');
    expect(markdown).toContain('#### query-api/main.ts: 1.0 s busy in 10 s');
    expect(markdown).not.toContain('(unknown)');
    expect(markdown).toContain('1 more profiles have no entry file');
    expect(markdown).toContain('0.5 s busy in all');
  });
});
