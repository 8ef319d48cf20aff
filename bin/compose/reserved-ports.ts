import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { step } from './shell';

const FILE = '/proc/sys/net/ipv4/ip_local_reserved_ports';

/**
 * With host networking every role listens on a fixed port of the 33000-33999 block, which lies
 * inside Linux's ephemeral range: an outgoing connection (Kafka clients open many) can take one
 * of them first and the role fails with EADDRINUSE. Reserving the block for the run keeps the
 * kernel from handing it out; the previous setting comes back at the end.
 */
export const reservePorts = (range: string): (() => void) => {
  if (!existsSync(FILE)) return () => {};
  const previous = readFileSync(FILE, 'utf8').trim();
  if (previous.split(',').includes(range)) return () => {};
  try {
    writeFileSync(FILE, previous === '' ? range : `${previous},${range}`);
    step(`reserved ports ${range} against ephemeral use for this run`);
  } catch {
    step(`could not reserve ports ${range} (not root?): a role may meet EADDRINUSE and restart`);
    return () => {};
  }
  return () => {
    try {
      writeFileSync(FILE, previous === '' ? '\n' : previous);
    } catch {
      step(`could not restore ${FILE} to '${previous}'`);
    }
  };
};
