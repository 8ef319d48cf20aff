import { ValidationError } from '../../lib/errors';
import { EVENTS, ORDER_ID, cancelledEvent } from '../testing/order-fixtures';
import { ORDER_EVENT_TYPES, type OrderEvent } from '../order/events';
import {
  TEMPLATES,
  formatMoney,
  notificationFor,
  notificationIdOf,
  renderTemplate,
  textFor,
} from './templates';

describe('templates', () => {
  it("one template per customer-facing order event and the operators' low-stock alert, each rendering from its params", () => {
    expect(Object.values(TEMPLATES).map((t) => t.trigger)).toEqual([
      'OrderPlaced',
      'OrderPaid',
      'OrderShipped',
      'OrderCompleted',
      'OrderCancelled',
      'LowStockDetected',
    ]);
    expect(renderTemplate('order-placed', { orderId: 'o-7', total: '34.99 EUR' })).toEqual({
      subject: 'We received your order o-7',
      body: 'Thank you! Order o-7 for 34.99 EUR is placed and we are reserving your items.',
      version: 1,
      locale: 'en',
    });
    expect(
      renderTemplate('order-shipped', { orderId: 'o-7', carrier: 'DHL', trackingNumber: 'T-1' }).body,
    ).toBe('Order o-7 shipped with DHL, tracking number T-1.');
  });

  it('picks the text by locale, language and channel, falling back to English', () => {
    const params = { orderId: 'o-7', total: '34.99 EUR' };
    expect(renderTemplate('order-placed', params, { locale: 'de-CH', channel: 'email' })).toMatchObject({
      subject: 'Wir haben Ihre Bestellung o-7 erhalten',
      locale: 'de',
    });
    expect(renderTemplate('order-placed', params, { locale: 'fr', channel: 'sms' })).toEqual({
      subject: '',
      body: 'Order o-7 (34.99 EUR) placed. Thank you!',
      version: 1,
      locale: 'en',
      channel: 'sms',
    });
    // German has no SMS text of its own: the German text beats an English SMS one.
    expect(renderTemplate('order-placed', params, { locale: 'de', channel: 'sms' }).locale).toBe('de');
    expect(renderTemplate('order-cancelled', { orderId: 'o-7', reason: 'x' }, { locale: 'de' }).locale).toBe(
      'en',
    );
  });

  it('takes the highest version of the best match', () => {
    const texts = TEMPLATES['order-paid'].texts;
    expect(textFor('order-paid', { locale: 'en' })).toBe(
      texts.filter((t) => t.locale === 'en' && !t.channel).reduce((a, b) => (b.version > a.version ? b : a)),
    );
  });

  it('refuses an unknown template or missing params', () => {
    expect(() => renderTemplate('nope', {})).toThrow(ValidationError);
    expect(() => renderTemplate('order-shipped', { orderId: 'o-7' })).toThrow(/carrier, trackingNumber/);
  });

  it('formats money from minor units without a locale', () => {
    expect(formatMoney(3499, 'EUR')).toBe('34.99 EUR');
    expect(formatMoney(5, 'USD')).toBe('0.05 USD');
    expect(formatMoney(1200, 'JPY')).toBe('1200 JPY');
  });

  it('maps the order events to a template and renderable params; other events notify no one', () => {
    const notifying: OrderEvent[] = [
      EVENTS.placed,
      EVENTS.paid,
      EVENTS.shipped,
      EVENTS.completed,
      cancelledEvent('Placed'),
    ];
    for (const event of notifying) {
      const message = notificationFor(ORDER_ID, event);
      expect(message).toBeDefined();
      if (message) expect(() => renderTemplate(message.template, message.params)).not.toThrow();
    }
    expect(notificationFor(ORDER_ID, EVENTS.placed)?.params).toEqual({
      orderId: ORDER_ID,
      total: '34.99 EUR',
    });
    expect(notificationFor(ORDER_ID, cancelledEvent('Placed', 'x', 'OUT_OF_STOCK'))?.params.reason).toBe(
      'an item is out of stock',
    );
    expect(notificationFor(ORDER_ID, EVENTS.created)).toBeUndefined();
    expect(notificationFor(ORDER_ID, EVENTS.reserved)).toBeUndefined();
    expect(ORDER_EVENT_TYPES.length - notifying.length).toBe(5);
  });
});

describe('notification ids', () => {
  it('name the order, the trigger and the channel', () => {
    expect(notificationIdOf('o-1', 'OrderPaid', 'sms')).toBe('o-1:OrderPaid:sms');
  });
});
