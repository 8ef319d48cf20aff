import Router from '@koa/router';
import { DependencyError } from '../lib/errors';
import { readJsonBody } from '../lib/http/json-body';
import { compileQueryValidator } from '../lib/http/query-validation';
import { compileValidator } from '../lib/validation';
import { NotAvailableError } from '../lib/errors';
import { emptyQuerySchema } from './query-schemas';

export const GATEWAY_FAULTS_PATH = '/api/admin/simulators/payment-gateway/failures';

export interface GatewayKnobs {
  errorRate: number;
  latencyMs: number;
  timeoutRate: number;
  declineRate: number;
}

const rate = { type: 'number', minimum: 0, maximum: 1 } as const;
/** The simulator's own rules (simulators/shared/failure-knobs.ts), checked here so a 400 is ours. */
export const gatewayKnobsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    errorRate: rate,
    timeoutRate: rate,
    declineRate: rate,
    latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
  },
} as const;

/** The payment-gateway simulator's fault knobs; the real one is reached over HTTP. */
export interface GatewayFaults {
  get(): Promise<GatewayKnobs>;
  /** Replaces every knob; those left out go back to 0. */
  set(knobs: Partial<GatewayKnobs>): Promise<GatewayKnobs>;
}

export function httpGatewayFaults(baseUrl: string, timeoutMs = 3_000): GatewayFaults {
  const call = async (init: RequestInit): Promise<GatewayKnobs> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/admin/failures`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw new DependencyError('payment-gateway', 'the simulator did not answer', { cause });
    }
    if (!res.ok) throw new DependencyError('payment-gateway', `the simulator answered ${res.status}`);
    return (await res.json()) as GatewayKnobs;
  };
  return {
    get: () => call({ method: 'GET' }),
    set: (knobs) =>
      call({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(knobs) }),
  };
}

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);
const knobsRequest = compileValidator<Partial<GatewayKnobs>>(gatewayKnobsSchema);

/**
 * Failure injection into the payment gateway for the console, behind the admin role: the
 * simulator's own `/admin/failures` takes no token (it stands in for an outside party, bound to
 * loopback), so an operator in a browser reaches it through here.
 */
export function createGatewayFaultRouter({ gateway }: { gateway?: GatewayFaults }): Router {
  const router = new Router();
  const unavailable = 'no payment gateway simulator is configured here (PAYMENT_GATEWAY_URL)';
  router.get(GATEWAY_FAULTS_PATH, async (ctx) => {
    noQuery.validate(ctx.query);
    if (!gateway) throw new NotAvailableError(unavailable);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await gateway.get();
  });
  router.post(GATEWAY_FAULTS_PATH, async (ctx) => {
    noQuery.validate(ctx.query);
    const knobs = knobsRequest.validate(await readJsonBody(ctx, { allowEmpty: true }));
    if (!gateway) throw new NotAvailableError(unavailable);
    ctx.body = await gateway.set(knobs);
  });
  return router;
}
