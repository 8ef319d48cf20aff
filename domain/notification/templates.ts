import { ValidationError } from '../../lib/errors';
import type { CancellationReasonCode, OrderEvent } from '../order/events';
import type { MinorUnits } from '../order/money';

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'push'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export interface RenderedMessage {
  /** Email subject, push title; SMS ignores it. */
  subject: string;
  body: string;
}

type Params = Readonly<Record<string, string>>;

interface Template {
  /** The event that sends it: an order's, or an inventory alert for the operators. */
  trigger: OrderEvent['type'] | 'LowStockDetected';
  /** Params the template reads; SendNotification is refused without them. */
  params: readonly string[];
  render(params: Params): RenderedMessage;
}

const p = (params: Params, name: string): string => params[name] ?? '';

/** One template per customer-facing order event. */
export const TEMPLATES = {
  'order-placed': {
    trigger: 'OrderPlaced',
    params: ['orderId', 'total'],
    render: (x) => ({
      subject: `We received your order ${p(x, 'orderId')}`,
      body: `Thank you! Order ${p(x, 'orderId')} for ${p(x, 'total')} is placed and we are reserving your items.`,
    }),
  },
  'order-paid': {
    trigger: 'OrderPaid',
    params: ['orderId', 'total'],
    render: (x) => ({
      subject: `Payment received for order ${p(x, 'orderId')}`,
      body: `We received your payment of ${p(x, 'total')} for order ${p(x, 'orderId')}. We are preparing the shipment.`,
    }),
  },
  'order-shipped': {
    trigger: 'OrderShipped',
    params: ['orderId', 'carrier', 'trackingNumber'],
    render: (x) => ({
      subject: `Order ${p(x, 'orderId')} is on its way`,
      body: `Order ${p(x, 'orderId')} shipped with ${p(x, 'carrier')}, tracking number ${p(x, 'trackingNumber')}.`,
    }),
  },
  'order-completed': {
    trigger: 'OrderCompleted',
    params: ['orderId'],
    render: (x) => ({
      subject: `Order ${p(x, 'orderId')} was delivered`,
      body: `Order ${p(x, 'orderId')} was delivered. Enjoy, and thank you for shopping with us!`,
    }),
  },
  'order-cancelled': {
    trigger: 'OrderCancelled',
    params: ['orderId', 'reason'],
    render: (x) => ({
      subject: `Order ${p(x, 'orderId')} was cancelled`,
      body: `Order ${p(x, 'orderId')} was cancelled because ${p(x, 'reason')}. Anything you paid will be refunded.`,
    }),
  },
  'low-stock': {
    trigger: 'LowStockDetected',
    params: ['sku', 'available', 'threshold'],
    render: (x) => ({
      subject: `Low stock: ${p(x, 'sku')}`,
      body: `Only ${p(x, 'available')} unit(s) of ${p(x, 'sku')} are available, below the threshold of ${p(x, 'threshold')}. Replenish it before orders are refused.`,
    }),
  },
} as const satisfies Record<string, Template>;

export type TemplateId = keyof typeof TEMPLATES;

export const isTemplateId = (value: unknown): value is TemplateId =>
  typeof value === 'string' && Object.hasOwn(TEMPLATES, value);

/** The params a template needs and `params` lacks (empty when it can be rendered). */
export const missingParams = (template: TemplateId, params: Params): string[] =>
  TEMPLATES[template].params.filter((name) => typeof params[name] !== 'string');

/** Renders a template; the runtime calls it to build the message it hands the provider. */
export const renderTemplate = (template: string, params: Params): RenderedMessage => {
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
  return TEMPLATES[template].render(params);
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

/** What a customer is told, rather than our internal reason text. */
const CUSTOMER_REASON: Record<CancellationReasonCode, string> = {
  CUSTOMER_REQUEST: 'you asked us to cancel it',
  OUT_OF_STOCK: 'an item is out of stock',
  PAYMENT_FAILED: 'the payment did not go through',
  SHIPMENT_FAILED: 'we could not arrange the delivery',
  DEADLINE_EXCEEDED: 'it could not be completed in time',
  OTHER: 'of a problem on our side',
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
        params: { orderId, reason: CUSTOMER_REASON[event.data.reasonCode] },
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
