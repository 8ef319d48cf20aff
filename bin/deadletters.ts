import { createKafka } from '../lib/adapters/kafka/client';
import { HEADERS, headerString, headersToObject } from '../lib/adapters/kafka/headers';
import { readDeadLetters, redriveDeadLetters, type DeadLetter } from '../lib/adapters/kafka/dead-letters';
import { redriveRefusal } from '../lib/adapters/kafka/redrive-policy';
import definitions from '../topics/topics.json';
import { topicNames } from '../topics/names';
import { envVar, readConfig } from '../lib/config/env';

const USAGE = `usage: npm run dlq -- <command>

  list [group]                        dead letters of one consumer group, or of all
  show <group> <partition>:<offset>   one record in full: headers, reason, stack, value
  redrive <group> <partition>:<offset>|--all
                                      send the record(s) back to the topic they came from

groups: ${definitions.deadLetters.groups.join(', ')}
Needs KAFKA_BROKERS (export $(npm run -s stack -- env)) and ORDERSTREAM_TOPIC_PREFIX if one is used.`;

const config = readConfig(process.env, {
  KAFKA_BROKERS: envVar.string({ default: '' }),
  ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
});
const brokers = config.KAFKA_BROKERS || undefined;
const topics = topicNames(config.ORDERSTREAM_TOPIC_PREFIX);
const kafka = () => createKafka({ brokers: brokers as string, clientId: 'orderstream-dlq' });
const readAll = (group: string): Promise<DeadLetter[]> => readDeadLetters(kafka(), topics.deadLetter(group));

const summary = (group: string, d: DeadLetter): string => {
  const h = d.message.headers;
  const at = new Date(Number(d.message.timestamp)).toISOString();
  return [
    `${group} ${d.partition}:${d.message.offset}`,
    at,
    `from ${headerString(h, HEADERS.deadLetterSource) ?? '?'}`,
    `attempts ${headerString(h, HEADERS.deadLetterAttempts) ?? '?'}`,
    `key ${d.message.key?.toString() ?? '(none)'}`,
    `reason: ${headerString(h, HEADERS.deadLetterReason) ?? '?'}`,
  ].join('  ');
};

const locate = (all: DeadLetter[], ref: string | undefined): DeadLetter => {
  const [partition, offset] = (ref ?? '').split(':');
  const found = all.find((d) => String(d.partition) === partition && d.message.offset === offset);
  if (!found)
    throw new Error(`no dead letter at ${ref ?? '(missing <partition>:<offset>)'}; run "list" to see them`);
  return found;
};

const redrive = async (group: string, letters: DeadLetter[]): Promise<void> => {
  for (const r of await redriveDeadLetters(kafka(), topics.deadLetter(group), letters)) {
    process.stdout.write(`re-driven ${r.partition}:${r.offset} → ${r.to}\n`);
  }
};

const main = async (): Promise<void> => {
  const [command, group, ref] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: export $(npm run -s stack -- env) first');
  const groups = definitions.deadLetters.groups;
  if (group !== undefined && !groups.includes(group))
    throw new Error(`unknown group "${group}"; groups: ${groups.join(', ')}`);
  switch (command) {
    case 'list': {
      let total = 0;
      for (const g of group ? [group] : groups) {
        const all = await readAll(g);
        if (all.length > 0 || group) process.stdout.write(`${g}: ${all.length} dead letter(s)\n`);
        for (const d of all) process.stdout.write(`  ${summary(g, d)}\n`);
        total += all.length;
      }
      if (!group && total === 0) process.stdout.write('no dead letters in any group\n');
      return;
    }
    case 'show': {
      if (!group) throw new Error('show needs a group and <partition>:<offset>');
      const d = locate(await readAll(group), ref);
      process.stdout.write(`${summary(group, d)}\nheaders:\n`);
      for (const [k, v] of Object.entries(headersToObject(d.message.headers)))
        process.stdout.write(`  ${k}: ${v}\n`);
      process.stdout.write(
        `value (${d.message.value?.length ?? 0} bytes):\n${d.message.value?.toString('utf8') ?? ''}\n`,
      );
      return;
    }
    case 'redrive': {
      if (!group) throw new Error('redrive needs a group and <partition>:<offset> or --all');
      const refusal = redriveRefusal(group);
      if (refusal) throw new Error(refusal);
      const all = await readAll(group);
      await redrive(group, ref === '--all' ? all : [locate(all, ref)]);
      return;
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      process.exitCode = 2;
  }
};

main().catch((err: unknown) => {
  process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
