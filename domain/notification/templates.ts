import { ValidationError, type FieldError } from '../../lib/errors';
import templateData from './templates.json';
import type { OrderEvent } from '../order/events';
import type { MinorUnits } from '../order/money';

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'push'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export interface RenderedMessage {
  /** Email subject, push title; SMS ignores it. */
  subject: string;
  body: string;
}

/** Which text of a template was rendered: texts are data, and change by new versions. */
export interface RenderedText extends RenderedMessage {
  version: number;
  locale: string;
  channel?: NotificationChannel;
}

type Params = Readonly<Record<string, string>>;

/** One wording of a template: for a locale, optionally for one channel only (SMS wants it short). */
export interface TemplateText {
  locale: string;
  channel?: NotificationChannel;
  version: number;
  subject: string;
  body: string;
}

export interface Template {
  /** The event that sends it: an order's, or an inventory alert for the operators. */
  trigger: OrderEvent['type'] | 'LowStockDetected';
  /** Params the texts read; SendNotification is refused without them. */
  params: readonly string[];
  /**
   * Params whose value is a code, worded per locale (`values.reason.de.OUT_OF_STOCK`): the event
   * knows why, the text's locale says it in its language.
   */
  values?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>;
  texts: readonly TemplateText[];
}

const TEMPLATE_IDS = [
  'order-placed',
  'order-paid',
  'order-shipped',
  'order-completed',
  'order-cancelled',
  'low-stock',
] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;
export const DEFAULT_LOCALE = 'en';

/**
 * Checks the texts once, at load: every template has an English text for all channels (the last
 * fallback), and every placeholder names a declared param. A bad file fails here, not as a
 * half-rendered message to a customer later.
 */
function loadTemplates(data: {
  templates: Record<string, Template>;
}): Readonly<Record<TemplateId, Template>> {
  const problems: FieldError[] = [];
  for (const id of TEMPLATE_IDS) {
    const template = data.templates[id];
    if (!template) {
      problems.push({ field: id, message: 'is missing' });
      continue;
    }
    if (!template.texts.some((t) => t.locale === DEFAULT_LOCALE && t.channel === undefined)) {
      problems.push({ field: id, message: `needs a ${DEFAULT_LOCALE} text for every channel` });
    }
    for (const [param, byLocale] of Object.entries(template.values ?? {})) {
      const codes = Object.keys(byLocale[DEFAULT_LOCALE] ?? {})
        .sort()
        .join(',');
      if (!template.params.includes(param))
        problems.push({ field: `${id}.values.${param}`, message: 'is not a param' });
      for (const [locale, words] of Object.entries(byLocale)) {
        // A locale that words some codes but not all would mix languages in one message.
        if (Object.keys(words).sort().join(',') !== codes) {
          problems.push({
            field: `${id}.values.${param}.${locale}`,
            message: `must word exactly the ${DEFAULT_LOCALE} codes`,
          });
        }
      }
    }
    template.texts.forEach((text, i) => {
      for (const [, name] of `${text.subject} ${text.body}`.matchAll(PLACEHOLDER)) {
        if (!template.params.includes(name as string)) {
          problems.push({ field: `${id}.texts[${i}]`, message: `reads {${name}}, not a param` });
        }
      }
    });
  }
  if (problems.length > 0) throw new ValidationError('invalid notification templates', problems);
  return Object.freeze(Object.fromEntries(TEMPLATE_IDS.map((id) => [id, data.templates[id]]))) as Record<
    TemplateId,
    Template
  >;
}

/** Every template, from templates.json. */
export const TEMPLATES = loadTemplates(templateData as { templates: Record<string, Template> });

export const isTemplateId = (value: unknown): value is TemplateId =>
  typeof value === 'string' && (TEMPLATE_IDS as readonly string[]).includes(value);

/** The params a template needs and `params` lacks (empty when it can be rendered). */
export const missingParams = (template: TemplateId, params: Params): string[] =>
  TEMPLATES[template].params.filter((name) => typeof params[name] !== 'string');

/**
 * The text to render: the highest version among the best matches, tried in this order: the
 * locale for the channel, the locale, its language (`de` for `de-CH`) for the channel, the
 * language, then English for the channel, English.
 */
export const textFor = (
  template: TemplateId,
  { channel, locale = DEFAULT_LOCALE }: { channel?: NotificationChannel; locale?: string },
): TemplateText => {
  const { texts } = TEMPLATES[template];
  const language = locale.split('-')[0] ?? DEFAULT_LOCALE;
  const tries: [string, NotificationChannel | undefined][] = [
    [locale, channel],
    [locale, undefined],
    [language, channel],
    [language, undefined],
    [DEFAULT_LOCALE, channel],
    [DEFAULT_LOCALE, undefined],
  ];
  for (const [wanted, forChannel] of tries) {
    const matches = texts.filter(
      (t) => t.locale.toLowerCase() === wanted.toLowerCase() && t.channel === forChannel,
    );
    if (matches.length > 0) return matches.reduce((a, b) => (b.version > a.version ? b : a));
  }
  // loadTemplates guarantees an English text for every channel.
  throw new ValidationError(`template ${template} has no text`, [{ field: 'template', message: template }]);
};

/** A param's value as the text's locale says it: its wording of a code, or the value as given. */
const worded = (template: Template, locale: string, name: string, value: string): string => {
  const byLocale = template.values?.[name];
  return byLocale?.[locale]?.[value] ?? byLocale?.[DEFAULT_LOCALE]?.[value] ?? value;
};

const fill = (text: string, params: Params, template: Template, locale: string): string =>
  text.replace(PLACEHOLDER, (_, name: string) => worded(template, locale, name, params[name] ?? ''));

/** Renders a template; the runtime calls it to build the message it hands the provider. */
export const renderTemplate = (
  template: string,
  params: Params,
  where: { channel?: NotificationChannel; locale?: string } = {},
): RenderedText => {
  if (!isTemplateId(template)) {
    throw new ValidationError(`unknown template ${template}`, [{ field: 'template', message: template }]);
  }
  const missing = missingParams(template, params);
  if (missing.length > 0) {
    throw new ValidationError(
      `template ${template} needs ${missing.join(', ')}`,
      missing.map((name) => ({ field: `params.${name}`, message: 'is required by the template' })),
    );
  }
  const text = textFor(template, where);
  return {
    subject: fill(text.subject, params, TEMPLATES[template], text.locale),
    body: fill(text.body, params, TEMPLATES[template], text.locale),
    version: text.version,
    locale: text.locale,
    ...(text.channel ? { channel: text.channel } : {}),
  };
};

/** Currencies without minor units; every other ISO 4217 code is shown with two decimals. */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

/** "34.99 EUR": plain and locale-free, so the same event always renders the same text. */
export const formatMoney = (amount: MinorUnits, currency: string): string => {
  if (ZERO_DECIMAL.has(currency)) return `${amount} ${currency}`;
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
};

/**
 * The template and params an order event notifies with, or undefined for events the customer
 * is not told about. Pure: everything comes from the event (see OrderFacts in order/events.ts).
 */
export const notificationFor = (
  orderId: string,
  event: OrderEvent,
): { template: TemplateId; params: Record<string, string> } | undefined => {
  switch (event.type) {
    case 'OrderPlaced':
      return {
        template: 'order-placed',
        params: { orderId, total: formatMoney(event.data.totalAmount, event.data.currency) },
      };
    case 'OrderPaid':
      return {
        template: 'order-paid',
        params: { orderId, total: formatMoney(event.data.amount, event.data.currency) },
      };
    case 'OrderShipped':
      return {
        template: 'order-shipped',
        params: { orderId, carrier: event.data.carrier, trackingNumber: event.data.trackingNumber },
      };
    case 'OrderCompleted':
      return { template: 'order-completed', params: { orderId } };
    case 'OrderCancelled':
      return {
        template: 'order-cancelled',
        // The code, not our internal reason text: each locale words it for the customer (templates.json).
        params: { orderId, reason: event.data.reasonCode },
      };
    case 'OrderCreated':
    case 'OrderItemAdded':
    case 'OrderItemRemoved':
    case 'OrderItemReserved':
    case 'OrderInventoryReserved':
      return undefined;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};

/**
 * Operator alerts are notifications too: addressed to this recipient (in `customerId`), about a
 * stock reference `stock:<sku>` (in `orderId`), so operators list them with
 * `GET /api/queries/notifications?customerId=operators`.
 */
export const OPERATORS = 'operators';
export const stockReferenceOf = (sku: string): string => `stock:${sku}`;
/** Operators are alerted by email: an alert must wait for someone to act on it, not ring once. */
export const OPERATOR_CHANNEL: NotificationChannel = 'email';

/** `<orderId>:<trigger event type>:<channel>`: one notification per order event and channel. */
export const notificationIdOf = (orderId: string, trigger: string, channel: NotificationChannel): string =>
  `${orderId}:${trigger}:${channel}`;
