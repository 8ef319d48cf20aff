import { envVar } from '../config/env';
import { DependencyError, FailureInjectionDisabledError, FailureRulesFullError } from '../errors';

/**
 * Off unless the deployment turns it on: one request could otherwise take a service down.
 * Spread into each service's config spec.
 */
export const failureInjectionConfigSpec = {
  FAILURE_INJECTION: envVar.oneOf(['enabled', 'disabled'] as const)({ default: 'disabled' }),
};

/** Bounds when on: the rule map cannot grow without limit, and no rule outlives its duration. */
export const MAX_FAILURE_RULES = 16;
export const DEFAULT_FAILURE_DURATION_MS = 5 * 60_000;

/**
 * Failure injection for chaos tests and demos: `POST /api/diagnostics/simulate-failure` stores a
 * rule here, and adapters call `before(target)` right before they touch that dependency. The
 * injected error is the same retriable DependencyError a real outage produces, so retries,
 * breakers and fallbacks are exercised exactly as they would be in production.
 */
export type FailureMode = 'error' | 'latency' | 'off';

export interface FailureRequest {
  /** Dependency name as the adapters use it (`mongodb`, `kafka`, `payment-gateway`), or `*`. */
  target: string;
  mode: FailureMode;
  latencyMs?: number;
  /** The rule removes itself after this long (default 5 minutes), or earlier with `mode: 'off'`. */
  durationMs?: number;
  /** Probability in [0, 1] that one call is affected (default 1). */
  rate?: number;
}

export interface FailureRule {
  target: string;
  mode: 'error' | 'latency';
  latencyMs: number;
  rate: number;
  expiresAt: string;
}

export interface FailureInjector {
  /** Stores (or with `mode: 'off'` removes) the rule for a target; returns the stored rule. */
  set(request: FailureRequest): FailureRule | undefined;
  /** Throws DependencyError or waits, per the active rule for `target` (or `*`); else resolves. */
  before(target: string): Promise<void>;
  list(): FailureRule[];
  clear(): void;
}

export interface FailureInjectorOptions {
  /** From FAILURE_INJECTION; when false every `set` is refused and `before` does nothing. */
  enabled: boolean;
  maxRules?: number;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createFailureInjector({
  enabled,
  maxRules = MAX_FAILURE_RULES,
  now = Date.now,
  random = Math.random,
  sleep = defaultSleep,
}: FailureInjectorOptions): FailureInjector {
  const rules = new Map<string, FailureRule & { expiresAtMs: number }>();

  const active = (target: string) => {
    const rule = rules.get(target) ?? rules.get('*');
    if (rule !== undefined && rule.expiresAtMs <= now()) {
      rules.delete(rule.target);
      return undefined;
    }
    return rule;
  };
  const publicRule = ({ expiresAtMs: _expiresAtMs, ...rule }: FailureRule & { expiresAtMs: number }) => rule;
  const dropExpired = () => {
    for (const target of [...rules.keys()]) active(target);
  };

  return {
    set({ target, mode, latencyMs, durationMs, rate }) {
      if (!enabled) throw new FailureInjectionDisabledError();
      if (mode === 'off') {
        rules.delete(target);
        return undefined;
      }
      dropExpired();
      if (!rules.has(target) && rules.size >= maxRules) throw new FailureRulesFullError(maxRules);
      const expiresAtMs = now() + (durationMs ?? DEFAULT_FAILURE_DURATION_MS);
      const rule = {
        target,
        mode,
        latencyMs: latencyMs ?? 0,
        rate: rate ?? 1,
        expiresAtMs,
        expiresAt: new Date(expiresAtMs).toISOString(),
      };
      rules.set(target, rule);
      return publicRule(rule);
    },
    async before(target) {
      // The common case (no rules) must cost nothing on every dependency call.
      if (rules.size === 0) return;
      const rule = active(target);
      if (!rule || random() >= rule.rate) return;
      if (rule.mode === 'error') {
        throw new DependencyError(target, 'injected failure (simulate-failure)', { retriable: true });
      }
      await sleep(rule.latencyMs);
    },
    list() {
      dropExpired();
      return [...rules.values()].map(publicRule);
    },
    clear() {
      rules.clear();
    },
  };
}
