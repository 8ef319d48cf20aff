import { byStatus, integer, object, oneOf, string, type StateReader } from '../state-reader';
import type { PaymentState } from './state';

type Variant<S extends PaymentState['status']> = Extract<PaymentState, { status: S }>;
type Ended = Extract<PaymentState, { reason: string }>;

const ended = object<Ended>({ status: oneOf(['Declined', 'Failed', 'Voided']), reason: string });

/** A payment's state from a snapshot, or a StateShapeError naming the first field out of shape. */
export const readPaymentState: StateReader<PaymentState> = byStatus<PaymentState>({
  None: object<Variant<'None'>>({ status: oneOf(['None']) }),
  Captured: object<Variant<'Captured'>>({
    status: oneOf(['Captured']),
    amount: integer,
    currency: string,
    gatewayRef: string,
    refundFailures: integer,
  }),
  Declined: ended,
  Failed: ended,
  Voided: ended,
  Refunded: object<Variant<'Refunded'>>({
    status: oneOf(['Refunded']),
    amount: integer,
    currency: string,
    gatewayRef: string,
    refundRef: string,
  }),
});
