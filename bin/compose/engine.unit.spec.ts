import { dockerdArgs, engineHost, enginePaths } from './engine';

describe("the project's Docker engine", () => {
  const paths = enginePaths('/home/dev/.cache/orderstream');

  it('keeps socket, images, runtime state and pid record under the cache dir', () => {
    expect(paths).toEqual({
      dir: '/home/dev/.cache/orderstream/docker',
      socket: '/home/dev/.cache/orderstream/docker/docker.sock',
      dataRoot: '/home/dev/.cache/orderstream/docker/data',
      execRoot: '/home/dev/.cache/orderstream/docker/exec',
      pidFile: '/home/dev/.cache/orderstream/docker/dockerd.pid',
      logFile: '/home/dev/.cache/orderstream/docker/dockerd.log',
    });
    expect(engineHost(paths)).toBe('unix:///home/dev/.cache/orderstream/docker/docker.sock');
  });

  it('starts dockerd on that socket only, never the default one or the default roots', () => {
    const args = dockerdArgs(paths);
    const hosts = args.filter((a) => a.startsWith('--host=') || a === '-H');
    expect(hosts).toEqual(['--host=unix:///home/dev/.cache/orderstream/docker/docker.sock']);
    for (const flag of ['--data-root', '--exec-root', '--pidfile'])
      expect(args.find((a) => a.startsWith(`${flag}=`))).toMatch(
        /^[^=]+=\/home\/dev\/\.cache\/orderstream\/docker\//,
      );
    expect(args.join(' ')).not.toMatch(/\/var\/run\/docker|\/var\/lib\/docker|\/run\/docker/);
  });

  it('runs without a bridge or iptables (host networking only, DESIGN §10)', () => {
    expect(dockerdArgs(paths)).toEqual(expect.arrayContaining(['--bridge=none', '--iptables=false']));
  });
});
