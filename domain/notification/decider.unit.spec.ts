import { InvalidStateError, ValidationError } from '../../lib/errors';
import { foldEvents } from '../decider';
import { deciderSpecification } from '../testing/decider-spec';
import { NOTIFICATION_EVENTS as E, receipt, sendNotification } from '../testing/notification-fixtures';
import type { NotificationCommand } from './commands';
import { notificationDecider } from './decider';
import { effectNeeded, providerIdempotencyKey } from './effect-needed';

const given = deciderSpecification(notificationDecider);
const sent = { status: 'sent', providerRef: 'msg-1', attempts: 1 } as const;
const failed = { status: 'failed', reason: 'mailbox full', attempts: 3 } as const;

describe('SendNotification', () => {
  it('records what the provider answered', () => {
    given([]).when(sendNotification(sent)).then([E.sent]);
    given([]).when(sendNotification(failed)).then([E.failed]);
  });

  it('sends once; a failed notification may be retried as a new provider call', () => {
    const state = (events: (typeof E)[keyof typeof E][]) => foldEvents(notificationDecider, events);
    given([E.sent]).when(sendNotification(sent)).then([]);
    given([E.sent]).when(sendNotification()).then([]);
    given([E.failed]).when(sendNotification(sent)).then([E.sent]);
    expect(effectNeeded(sendNotification(), state([]))).toBe(true);
    expect(effectNeeded(sendNotification(), state([E.failed]))).toBe(true);
    expect(effectNeeded(sendNotification(), state([E.sent]))).toBe(false);
    expect(providerIdempotencyKey(sendNotification(), state([]))).toBe(
      'notification:order-1:OrderPlaced:email:1',
    );
    expect(providerIdempotencyKey(sendNotification(), state([E.failed, E.failed]))).toBe(
      'notification:order-1:OrderPlaced:email:3',
    );
    given([])
      .when(sendNotification())
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'outcome');
  });

  it('checks the id, channel, template and the params the template needs', () => {
    const bad = {
      ...sendNotification(),
      notificationId: 'other:OrderPlaced:sms',
      channel: 'pigeon',
      params: { orderId: 'order-1' },
    } as unknown as NotificationCommand;
    const error = given([]).when(bad).thenThrows(ValidationError);
    expect(error.errors.map((e) => e.field).sort()).toEqual(
      ['channel', 'notificationId', 'params.total'].sort(),
    );
    given([])
      .when({ ...sendNotification(sent), template: 'spam' })
      .thenThrows(ValidationError, (e) => e.errors[0]?.field === 'template');
    given([])
      .when({
        ...sendNotification(),
        outcome: { status: 'sent', providerRef: '', attempts: 0 },
      } as NotificationCommand)
      .thenThrows(
        ValidationError,
        (e) => e.errors.map((x) => x.field).join() === 'outcome.providerRef,outcome.attempts',
      );
  });

  it('refuses a history that continues after a sent notification', () => {
    expect(() => foldEvents(notificationDecider, [E.sent, E.failed])).toThrow(InvalidStateError);
  });
});

describe('RecordDeliveryReceipt', () => {
  it("records the provider's receipt of a sent notification, the latest one counting", () => {
    given([E.sent]).when(receipt('delivered')).then([E.delivered]);
    given([E.sent, E.delivered]).when(receipt('bounced', 'mailbox unknown')).then([E.bounced]);
    expect(foldEvents(notificationDecider, [E.sent, E.bounced])).toMatchObject({
      status: 'Sent',
      delivery: { status: 'bounced', reason: 'mailbox unknown' },
    });
  });

  it('changes nothing for the same receipt again, and calls no provider', () => {
    given([E.sent, E.delivered]).when(receipt('delivered')).then([]);
    expect(effectNeeded(receipt('delivered'), foldEvents(notificationDecider, [E.sent]))).toBe(false);
  });

  it('refuses a receipt for a notification never sent, and a malformed one', () => {
    given([]).when(receipt('delivered')).thenThrows(InvalidStateError);
    given([E.failed]).when(receipt('delivered')).thenThrows(InvalidStateError);
    given([E.sent])
      .when({ ...receipt('delivered'), status: 'lost' as never, at: 'yesterday' })
      .thenThrows(ValidationError, (e) => e.errors.map((x) => x.field).join() === 'status,at');
  });
});
