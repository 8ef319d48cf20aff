import { ValidationError } from '../../lib/errors';
import { EVENTS, ORDER_ID, cancelledEvent } from '../testing/order-fixtures';
import { CANCELLATION_REASON_CODES, ORDER_EVENT_TYPES, type OrderEvent } from '../order/events';
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
    // A language no template speaks falls back to English.
    expect(renderTemplate('order-cancelled', { orderId: 'o-7', reason: 'x' }, { locale: 'fr' }).locale).toBe(
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
    // The code travels; each locale words it (templates.json `values`).
    expect(notificationFor(ORDER_ID, cancelledEvent('Placed', 'x', 'OUT_OF_STOCK'))?.params.reason).toBe(
      'OUT_OF_STOCK',
    );
    expect(notificationFor(ORDER_ID, EVENTS.created)).toBeUndefined();
    expect(notificationFor(ORDER_ID, EVENTS.reserved)).toBeUndefined();
    expect(ORDER_EVENT_TYPES.length - notifying.length).toBe(5);
  });
});

describe('German texts', () => {
  it('every template has a German text, for every channel', () => {
    for (const id of Object.keys(TEMPLATES) as (keyof typeof TEMPLATES)[]) {
      expect(TEMPLATES[id].texts.some((t) => t.locale === 'de' && t.channel === undefined)).toBe(true);
      for (const channel of ['email', 'sms', 'push'] as const) {
        expect(textFor(id, { locale: 'de-CH', channel }).locale).toBe('de');
      }
    }
  });

  it('tells a German customer why the order was cancelled in German, whatever the reason', () => {
    for (const code of CANCELLATION_REASON_CODES) {
      const cancelled = notificationFor(ORDER_ID, cancelledEvent('Placed', 'internal text', code));
      if (!cancelled) throw new Error('a cancellation notifies the customer');
      const de = renderTemplate(cancelled.template, cancelled.params, { locale: 'de-DE' });
      const en = renderTemplate(cancelled.template, cancelled.params, { locale: 'en' });
      expect(de.subject).toBe(`Bestellung ${ORDER_ID} wurde storniert`);
      expect(de.body).toMatch(
        /^Bestellung .+ wurde storniert, weil .+\. Bereits Bezahltes erstatten wir Ihnen zurück\.$/,
      );
      expect(de.body).not.toContain(code);
      expect(en.body).not.toContain(code);
      expect(de.body).not.toBe(en.body);
    }
    expect(
      renderTemplate('order-cancelled', { orderId: 'o-7', reason: 'OUT_OF_STOCK' }, { locale: 'de' }).body,
    ).toBe(
      'Bestellung o-7 wurde storniert, weil ein Artikel nicht vorrätig ist. Bereits Bezahltes erstatten wir Ihnen zurück.',
    );
    expect(renderTemplate('order-cancelled', { orderId: 'o-7', reason: 'OUT_OF_STOCK' }).body).toBe(
      'Order o-7 was cancelled because an item is out of stock. Anything you paid will be refunded.',
    );
    // A reason that is no code (a command from before codes travelled, a preview) is shown as given.
    expect(renderTemplate('order-cancelled', { orderId: 'o-7', reason: 'of a storm' }).body).toContain(
      'because of a storm.',
    );
  });

  it("words the operators' low-stock alert in German", () => {
    expect(
      renderTemplate(
        'low-stock',
        { sku: 'BOOK-1', available: '2', threshold: '5' },
        { locale: 'de', channel: 'email' },
      ),
    ).toEqual({
      subject: 'Niedriger Bestand: BOOK-1',
      body: 'Von BOOK-1 sind nur noch 2 Stück verfügbar, unter dem Schwellenwert von 5. Bitte nachbestellen, bevor Bestellungen abgelehnt werden.',
      version: 1,
      locale: 'de',
    });
  });
});

describe('notification ids', () => {
  it('name the order, the trigger and the channel', () => {
    expect(notificationIdOf('o-1', 'OrderPaid', 'sms')).toBe('o-1:OrderPaid:sms');
  });
});
