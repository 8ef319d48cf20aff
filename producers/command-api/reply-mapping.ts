import {
  DependencyError,
  InvalidStateError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
  type OrderstreamError,
} from '../../lib/errors';
import type { CommandReply, ReplyError } from '../../lib/adapters/kafka/command-protocol';
import type { SendResult } from './command-bus';

/** Where a client polls for the outcome of an order command that outlived its request. */
export const statusUrl = (commandId: string): string =>
  `/api/commands/status/${encodeURIComponent(commandId)}`;

/** The same for an inventory command, so the late answer names the sku, not an order id. */
export const inventoryStatusUrl = (commandId: string): string =>
  `/api/commands/inventory/status/${encodeURIComponent(commandId)}`;

/** The same for a customer's command (their notification preferences). */
export const customerStatusUrl = (commandId: string): string =>
  `/api/commands/customers/status/${encodeURIComponent(commandId)}`;

/** A customer's notification preferences as the query API serves them. */
export const preferencesUrl = (customerId: string): string =>
  `/api/queries/customers/${encodeURIComponent(customerId)}/notification-preferences`;

/** The read model of an order (query API), for `Location` after a create. */
export const orderUrl = (orderId: string): string => `/api/queries/orders/${encodeURIComponent(orderId)}`;

/** The inventory record of a product, for `Location` after a registration. */
export const productUrl = (sku: string): string => `/api/products/${encodeURIComponent(sku)}`;

/**
 * How an aggregate's id is named in response bodies, where a created one can be read, and where
 * a pending command's outcome is polled (a reply does not say which aggregate type it is about).
 */
export interface ResourceKind {
  idField: string;
  url(id: string): string;
  statusUrl(commandId: string): string;
}

export const orderResource: ResourceKind = { idField: 'orderId', url: orderUrl, statusUrl };
export const preferencesResource: ResourceKind = {
  idField: 'customerId',
  url: preferencesUrl,
  statusUrl: customerStatusUrl,
};
export const productResource: ResourceKind = {
  idField: 'sku',
  url: productUrl,
  statusUrl: inventoryStatusUrl,
};

/** Seconds a client should wait before polling a pending command's status URL. */
export const RETRY_AFTER_SECONDS = 1;

export interface CommandResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface ResponseContext {
  aggregateId: string;
  /** A create answers 201 with a Location; every other command 200. */
  created?: boolean;
  /** The version the command asked for, for the conflict message. */
  expectedVersion?: number;
  /** Orders unless told otherwise. */
  resource?: ResourceKind;
}

/**
 * The error a rejected command becomes, so the kit's one problem mapping chooses the status:
 * 409 (conflict or forbidden by state, both with currentVersion), 404, 400 with field errors.
 * The processor's message is kept: it is the domain's explanation to the client.
 */
export function rejectionError(
  aggregateId: string,
  error: ReplyError,
  expectedVersion?: number,
): OrderstreamError {
  switch (error.code) {
    case 'VERSION_CONFLICT': {
      if (error.currentVersion === undefined) {
        // Without the current version it cannot be a VersionConflictError; still a 409.
        return new InvalidStateError(error.message);
      }
      const conflict = new VersionConflictError(aggregateId, expectedVersion ?? -1, error.currentVersion);
      if (expectedVersion === undefined) conflict.message = error.message;
      return conflict;
    }
    case 'INVALID_STATE':
      return new InvalidStateError(error.message, error.currentVersion);
    case 'NOT_FOUND':
      return new NotFoundError(error.message);
    case 'VALIDATION_FAILED':
      return new ValidationError(error.message, error.errors ?? []);
    default:
      // A code we do not know is the processor failing, not the client asking wrongly.
      return new DependencyError('command-processor', `${error.code}: ${error.message}`, {
        retriable: false,
      });
  }
}

/** Throws the rejection of a failed reply; returns the accepted reply otherwise. */
export function acceptedReply(
  reply: CommandReply,
  expectedVersion?: number,
): Extract<CommandReply, { ok: true }> {
  if (!reply.ok) throw rejectionError(reply.aggregateId, reply.error, expectedVersion);
  return reply;
}

export function pendingResponse(
  aggregateId: string,
  commandId: string,
  resource: ResourceKind = orderResource,
): CommandResponse {
  const url = resource.statusUrl(commandId);
  return {
    status: 202,
    body: { [resource.idField]: aggregateId, commandId, status: 'pending', statusUrl: url },
    headers: { Location: url, 'Retry-After': String(RETRY_AFTER_SECONDS) },
  };
}

/** The HTTP answer to a sent command; throws (see rejectionError) when the command was rejected. */
export function commandResponse(
  result: SendResult,
  { aggregateId: requested, created = false, expectedVersion, resource = orderResource }: ResponseContext,
) {
  if (result.status === 'pending') return pendingResponse(requested, result.commandId, resource);
  const { aggregateId, version } = acceptedReply(result.reply, expectedVersion);
  const response: CommandResponse = {
    status: created ? 201 : 200,
    body: { [resource.idField]: aggregateId, version },
    headers: { ETag: `"${version}"` },
  };
  if (created) response.headers.Location = resource.url(aggregateId);
  return response;
}
