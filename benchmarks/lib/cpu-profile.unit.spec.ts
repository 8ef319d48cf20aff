import { profileMarkdown, summarizeProfile } from './cpu-profile';

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
