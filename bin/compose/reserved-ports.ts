import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { step } from './shell';

const FILE = '/proc/sys/net/ipv4/ip_local_reserved_ports';

/**
 * The kernel keeps reserved ports as a bitmap and prints its contiguous runs ("33000-34099" once
 * 33000-33999 and 34000-34099 are both in), so ranges are added and removed as sets of ports.
 */
const parse = (list: string): Set<number> => {
  const ports = new Set<number>();
  for (const part of list.trim().split(',').filter(Boolean)) {
    const [low, high = low] = part.split('-').map(Number) as [number, number?];
    for (let p = low; p <= high; p++) ports.add(p);
  }
  return ports;
};

const format = (ports: Set<number>): string => {
  const sorted = [...ports].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    runs.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(',');
};

/** The kernel's list with one range added. */
export const withRange = (current: string, range: string): string =>
  format(new Set([...parse(current), ...parse(range)]));

/** The kernel's list without one range: what another run reserved stays. */
export const withoutRange = (current: string, range: string): string => {
  const drop = parse(range);
  return format(new Set([...parse(current)].filter((p) => !drop.has(p))));
};

/** Whether every port of the range is reserved already. */
export const covers = (current: string, range: string): boolean => {
  const have = parse(current);
  return [...parse(range)].every((p) => have.has(p));
};

/**
 * With host networking every server and role listens on a fixed port of its block (33xxx for
 * compose, 34xxx for the testcontainers path), which lies inside Linux's ephemeral range: an
 * outgoing connection (Kafka clients open many) can take one of them first and the server fails
 * with EADDRINUSE. Reserving the block for the run keeps the kernel from handing it out; the
 * release removes only that block, so runs that overlap do not undo each other's (though a run
 * that finds its block reserved by another leaves it to that one).
 */
export const reservePorts = (range: string, say: (message: string) => void = step): (() => void) => {
  if (!existsSync(FILE)) return () => {};
  const previous = readFileSync(FILE, 'utf8');
  // Reserved already (by the machine or a run that overlaps this one): theirs to release.
  if (covers(previous, range)) return () => {};
  try {
    writeFileSync(FILE, withRange(previous, range) || '\n');
    say(`reserved ports ${range} against ephemeral use for this run`);
  } catch {
    say(`could not reserve ports ${range} (not root?): a server may meet EADDRINUSE`);
    return () => {};
  }
  return () => {
    try {
      writeFileSync(FILE, withoutRange(readFileSync(FILE, 'utf8'), range) || '\n');
    } catch {
      say(`could not release ${range} in ${FILE}`);
    }
  };
};
