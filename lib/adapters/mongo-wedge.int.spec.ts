import { testEndpoints } from '../../test/support/env';
import { freePort } from '../../test/support/free-port';
import { connectMongo, watchForWedgedClient } from './mongo';

jest.setTimeout(60_000);

/*
 * The watchdog compares our client with a new one: it reports only a client that cannot reach a
 * server a new client reaches (here: one whose topology was closed under it), never an outage.
 */
describe('the wedged MongoDB client watchdog', () => {
  const uri = testEndpoints().mongodbUri;

  /** Runs the watchdog until it reports, or until five checks found `quietAs` without a report. */
  const watch = (adapter: Awaited<ReturnType<typeof connectMongo>>, probeUri: string, quietAs = 'ok') =>
    new Promise<{ wedged?: string; findings: string[] }>((resolve) => {
      const findings: string[] = [];
      const watcher = watchForWedgedClient(adapter, {
        uri: probeUri,
        everyMs: 200,
        strikes: 2,
        onWedged: (detail) => {
          watcher.stop();
          resolve({ wedged: detail, findings });
        },
        onChecked: (finding) => {
          findings.push(finding);
          if (findings.filter((f) => f === quietAs).length >= 5) {
            watcher.stop();
            resolve({ findings });
          }
        },
      });
    });

  it('reports a client that no longer reaches a server a new client reaches', async () => {
    const adapter = await connectMongo(uri, 'wedge_test');
    await adapter.client.close();
    const { wedged, findings } = await watch(adapter, uri, 'never');
    expect(wedged).toMatch(/a new client reaches MongoDB but ours has not for 2 checks/);
    expect(findings).toEqual(['strike', 'strike']);
  });

  it('stays quiet while the client works', async () => {
    const adapter = await connectMongo(uri, 'wedge_test');
    try {
      expect(await watch(adapter, uri)).toEqual({ findings: ['ok', 'ok', 'ok', 'ok', 'ok'] });
    } finally {
      await adapter.close();
    }
  });

  it('stays quiet during an outage, when a new client cannot reach the server either', async () => {
    const adapter = await connectMongo(uri, 'wedge_test');
    await adapter.client.close();
    const nobody = `mongodb://127.0.0.1:${await freePort()}/`;
    expect(await watch(adapter, nobody, 'outage')).toEqual({
      findings: ['outage', 'outage', 'outage', 'outage', 'outage'],
    });
  });
});
