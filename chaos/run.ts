import { parseArgs } from 'node:util';
import { faultByName, faultsFor, type Fault } from './faults';
import { runChaos } from './suite';
import type { PipelineLayout } from '../processors/pipeline';

/**
 * `npm run chaos [-- --faults kill:processors,outage:mongo] [--rate 10] [--hold 30] [--per-part]`:
 * every fault of DESIGN §12 (or the ones named) under a sustained order load, on a private stack
 * instance ('chaos', ports 25xxx) and its own copy of `npm start`; `--per-part` runs each pipeline
 * part in a process of its own and kills each one alone. Exits 1 when a guarantee broke; the
 * report lands in chaos/results/.
 */
const { values } = parseArgs({
  options: {
    faults: { type: 'string' },
    rate: { type: 'string', default: '10' },
    hold: { type: 'string', default: '30' },
    kills: { type: 'string', default: '3' },
    name: { type: 'string' },
    list: { type: 'boolean', default: false },
    'per-part': { type: 'boolean', default: false },
  },
});
const pipelineProcesses: PipelineLayout = values['per-part'] ? 'per-part' : 'one';

if (values.list) {
  for (const f of faultsFor(pipelineProcesses)) process.stdout.write(`${f.name.padEnd(30)} ${f.what}\n`);
  process.exit(0);
}

const named = (names: string): Fault[] => {
  try {
    return names.split(',').map((n) => faultByName(n.trim()));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
};
const faults = values.faults ? named(values.faults) : faultsFor(pipelineProcesses);
const number = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive number, got '${raw}'\n`);
    process.exit(2);
  }
  return n;
};

runChaos({
  name:
    values.name ??
    `${values.faults ? 'chaos-selected' : 'chaos-all'}${pipelineProcesses === 'per-part' ? '-per-part' : ''}`,
  pipelineProcesses,
  faults,
  rate: number('rate', values.rate),
  warmMs: 5_000,
  afterMs: 10_000,
  holdMs: number('hold', values.hold) * 1_000,
  kills: number('kills', values.kills),
  settleMs: 180_000,
  sagaDeadlineMs: 60_000,
  instance: 'chaos',
  stackPorts: {
    kafka: 25092,
    kafkaController: 25093,
    registry: 25085,
    registryManagement: 25086,
    mongo: 25017,
    redis: 25379,
  },
  servicePorts: {
    gateway: 25191,
    carrier: 25192,
    notifications: 25193,
    processors: 25100,
    projections: 25101,
    queryApi: 25180,
    commandApi: 25181,
  },
})
  .then((outcomes) => {
    const broken = outcomes.filter((o) => o.violations.length > 0);
    process.stdout.write(
      broken.length === 0
        ? `✓ chaos: every guarantee held through ${outcomes.length} faults\n`
        : `✗ chaos: guarantees broke under ${broken.map((o) => o.fault).join(', ')}\n`,
    );
    process.exit(broken.length === 0 ? 0 : 1);
  })
  .catch((err: unknown) => {
    process.stderr.write(`✗ chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
