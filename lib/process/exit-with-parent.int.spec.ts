import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { until } from '../../test/support/eventually';

/*
 * A supervisor that dies without stopping its children (SIGKILL, a crash) must not leave them
 * behind as orphans holding their ports: each supervised process stops itself when its
 * supervisor's IPC channel closes.
 */

const ROOT = join(__dirname, '..', '..');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a supervised process whose supervisor is killed', () => {
  it('stops itself instead of living on as an orphan', async () => {
    const supervisor = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/fixtures/supervise-simulator.ts')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const childPid = await new Promise<number>((resolve, reject) => {
      supervisor.once('exit', (code) =>
        reject(new Error(`supervisor exited with ${code} before its child listened`)),
      );
      createInterface({ input: supervisor.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const match = /^child-listening (\d+)$/.exec(line);
        if (match) resolve(Number(match[1]));
      });
    });
    expect(alive(childPid)).toBe(true);

    supervisor.kill('SIGKILL');
    await until(
      `simulator ${childPid} exits after its supervisor was killed`,
      () => !alive(childPid),
      20_000,
    );
  }, 60_000);
});
