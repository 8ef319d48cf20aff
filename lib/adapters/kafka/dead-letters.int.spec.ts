import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandMessage } from './command-protocol';
import { HEADERS } from './headers';
import { readDeadLetters, redriveDeadLetters } from './dead-letters';
import { commandSideHarness } from '../../../test/support/command-side';
import { testEndpoints } from '../../../test/support/env';

jest.setTimeout(90_000);

describe('dead letters: list, inspect, re-drive', () => {
  it('finds a parked command with its reason and re-drives it to the processor, which applies it', async () => {
    const h = await commandSideHarness();
    try {
      await h.startProcessor();
      const group = 'orders-command-processor';
      const orderId = randomUUID();
      const commandId = randomUUID();
      const command = {
        type: 'CreateOrder',
        orderId,
        customerId: 'redriven',
        currency: 'EUR',
        items: [],
        meta: { commandId, correlationId: commandId, issuedAt: new Date().toISOString() },
      };
      // A command parked earlier (say, while a bug was being fixed), as the processor parks them.
      const parked = commandMessage(orderId, command);
      const producer = h.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: h.topics.deadLetter(group),
        messages: [
          {
            ...parked,
            headers: {
              ...parked.headers,
              [HEADERS.deadLetterReason]: 'decide failed: a bug since fixed',
              [HEADERS.deadLetterSource]: `${h.topics.commands('orders')}/0/42`,
              [HEADERS.deadLetterAttempts]: '1',
            },
          },
        ],
      });
      await producer.disconnect();

      const letters = await readDeadLetters(h.kafka, h.topics.deadLetter(group));
      expect(letters).toHaveLength(1);

      // The CLI lists it with its reason.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(__dirname, '..', '..', '..', 'bin', 'deadletters.ts'), 'list', group],
        {
          env: {
            ...process.env,
            KAFKA_BROKERS: testEndpoints().kafkaBrokers,
            ORDERSTREAM_TOPIC_PREFIX: h.prefix,
          },
        },
      );
      expect(stdout).toContain('1 dead letter(s)');
      expect(stdout).toContain('decide failed: a bug since fixed');

      const redriven = await redriveDeadLetters(h.kafka, h.topics.deadLetter(group), letters);
      expect(redriven).toEqual([expect.objectContaining({ to: h.topics.commands('orders') })]);
      expect(await h.reply(commandId)).toMatchObject({ ok: true, version: 1 });
    } finally {
      await h.close();
    }
  });
});
