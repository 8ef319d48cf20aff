import { byStatus, integer, object, oneOf, optional, string, type StateReader } from '../state-reader';
import { DELIVERY_STATUSES } from './commands';
import type { NotificationState } from './state';

type Variant<S extends NotificationState['status']> = Extract<NotificationState, { status: S }>;
type Delivery = NonNullable<Variant<'Sent'>['delivery']>;

/** A notification's state from a snapshot, or a StateShapeError naming the first field out of shape. */
export const readNotificationState: StateReader<NotificationState> = byStatus<NotificationState>({
  None: object<Variant<'None'>>({ status: oneOf(['None']) }),
  Sent: object<Variant<'Sent'>>({
    status: oneOf(['Sent']),
    providerRef: string,
    attempts: integer,
    delivery: optional(
      object<Delivery>({ status: oneOf(DELIVERY_STATUSES), at: string, reason: optional(string) }),
    ),
  }),
  Failed: object<Variant<'Failed'>>({
    status: oneOf(['Failed']),
    reason: string,
    attempts: integer,
    failures: integer,
  }),
});
