import { keyedPost, refusalOn } from './keyed-post';
import type { CallOptions, ClientOptions } from './client-options';
import { ExternalCallError } from './errors';
import { unexpectedReply } from './reply-fields';
import { createResilientHttpClient, type ResilientHttpClient } from './resilient-http';

export interface ShipmentRequest {
  orderId: string;
  items: { sku: string; quantity: number }[];
  address?: Record<string, unknown>;
}

export type ShipmentResult =
  | {
      status: 'created';
      shipmentId: string;
      carrier: string;
      trackingNumber: string;
      labelUrl: string;
      replayed: boolean;
    }
  | { status: 'rejected'; reason: string };

export interface VoidResult {
  status: 'voided';
  shipmentId: string;
  replayed: boolean;
}

export const TRACKING_STATUSES = ['Created', 'InTransit', 'OutForDelivery', 'Delivered'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

export interface TrackingResult {
  status: TrackingStatus;
  history: { status: TrackingStatus; at: string }[];
}

export interface CarrierClient {
  /** A carrier refusal (422, e.g. address not serviceable) is a result: the saga compensates. */
  createShipment(request: ShipmentRequest, options: CallOptions): Promise<ShipmentResult>;
  /**
   * Voids a label (same key on every retry, so a label is voided once). A parcel already
   * delivered is ExternalCallError('rejected', retriable false).
   */
  voidShipment(shipmentId: string, request: { orderId: string }, options: CallOptions): Promise<VoidResult>;
  /** Reads are naturally idempotent: no key. An unknown shipment is ExternalCallError('rejected'). */
  tracking(shipmentId: string, options?: { signal?: AbortSignal }): Promise<TrackingResult>;
  readonly http: ResilientHttpClient;
  close(): void;
}

export const CARRIER = 'carrier';

const isTrackingStatus = (value: unknown): value is TrackingStatus =>
  (TRACKING_STATUSES as readonly unknown[]).includes(value);

export function createCarrierClient(options: ClientOptions): CarrierClient {
  const service = options.service ?? CARRIER;
  const http = createResilientHttpClient({ ...options, service });

  return {
    http,
    close: http.close,
    createShipment: (request, options) =>
      keyedPost<ShipmentResult>(
        http,
        service,
        {
          operation: 'createShipment',
          path: '/shipments',
          body: request,
          // A carrier refusal (422 with outcome "rejected") is an answer the saga compensates.
          refusal: (reply) =>
            (reply.body as { outcome?: unknown } | undefined)?.outcome === 'rejected'
              ? refusalOn<ShipmentResult>(
                  422,
                  'rejected',
                  (reason) => ({ status: 'rejected', reason }),
                  'rejected',
                )(reply)
              : undefined,
          success: (fields) => ({
            status: 'created',
            shipmentId: fields.string('shipmentId'),
            carrier: fields.string('carrier'),
            trackingNumber: fields.string('trackingNumber'),
            labelUrl: fields.string('labelUrl'),
            replayed: fields.replayed,
          }),
        },
        options,
      ),
    voidShipment: (shipmentId, request, options) =>
      keyedPost<VoidResult>(
        http,
        service,
        {
          operation: 'voidShipment',
          path: `/shipments/${encodeURIComponent(shipmentId)}/void`,
          body: request,
          success: (fields) => ({
            status: 'voided',
            shipmentId: fields.string('shipmentId'),
            replayed: fields.replayed,
          }),
        },
        options,
      ),
    async tracking(shipmentId, { signal } = {}) {
      const operation = 'tracking';
      return http.call<TrackingResult>(
        { operation, method: 'GET', path: `/shipments/${encodeURIComponent(shipmentId)}/tracking`, signal },
        (reply) => {
          if (reply.status !== 200) throw unexpectedReply(service, operation, reply);
          const body = reply.body as { status?: unknown; history?: unknown };
          const history = Array.isArray(body.history)
            ? (body.history as { status?: unknown; at?: unknown }[])
            : [];
          if (
            !isTrackingStatus(body.status) ||
            !history.every((h) => isTrackingStatus(h.status) && typeof h.at === 'string')
          ) {
            throw new ExternalCallError(service, operation, 'invalid_response', 'malformed tracking reply', {
              attempts: reply.attempts,
              status: reply.status,
              problem: reply.body,
            });
          }
          return {
            outcome: 'success',
            value: { status: body.status, history: history as TrackingResult['history'] },
          };
        },
      );
    },
  };
}
