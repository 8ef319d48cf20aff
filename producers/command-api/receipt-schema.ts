import { DELIVERY_STATUSES, type DeliveryStatus } from '../../domain/notification/commands';

/** A provider's delivery receipt for one sent notification. */
export interface ReceiptBody {
  status: DeliveryStatus;
  at: string;
  reason?: string;
}

export const receiptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'at'],
  properties: {
    status: { type: 'string', enum: [...DELIVERY_STATUSES] },
    at: {
      type: 'string',
      format: 'date-time',
      maxLength: 40,
      description: 'When the provider saw it happen.',
    },
    reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why it bounced or failed.' },
  },
} as const;
