import { authConfigSpec } from '../../lib/auth/auth-config';
import { rateLimitConfigSpec } from '../../lib/http/rate-limit';
import { httpEdgeConfigSpec } from '../../lib/http/security-headers';
import { failureInjectionConfigSpec } from '../../lib/observability/failure-injector';
import { eventsTopicConfigSpec } from '../../topics/events-topic-overrides';
import { envVar, readConfig, type ConfigOf, type Env } from '../../lib/config/env';
import { logLevelConfigSpec } from '../../lib/process/service-process';

/** Every variable the command API reads; read once at start-up, all problems reported together. */
export const commandApiConfigSpec = {
  PORT: envVar.port({ default: 8081 }),
  KAFKA_BROKERS: envVar.list(),
  // The admin events route decodes the event store with the registry's writer schemas.
  SCHEMA_REGISTRY_URL: envVar.url({ protocols: ['http:', 'https:'] }),
  // May carry a password, so it never appears in an error message.
  REDIS_URL: envVar.url({ protocols: ['redis:', 'rediss:'], secret: true }),
  COMMAND_REPLY_TIMEOUT_MS: envVar.int({ default: 5000, min: 1, max: 120_000 }),
  // Admission control: past this many records the write side has not handled, new work is refused with 429 (0: off).
  ADMISSION_MAX_LAG: envVar.int({ default: 2000, min: 0 }),
  // ... and past this much work at the rate the processors get through it (0: off).
  ADMISSION_MAX_WAIT_MS: envVar.int({ default: 10_000, min: 0, max: 600_000 }),
  ADMISSION_CHECK_MS: envVar.int({ default: 1000, min: 100, max: 60_000 }),
  ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '', pattern: /^[A-Za-z0-9._-]*$/ }),
  ...eventsTopicConfigSpec,
  ...httpEdgeConfigSpec,
  ...authConfigSpec,
  ...rateLimitConfigSpec,
  ...failureInjectionConfigSpec,
  ...logLevelConfigSpec,
};

export type CommandApiConfig = ConfigOf<typeof commandApiConfigSpec>;

export const readCommandApiConfig = (env: Env): CommandApiConfig => readConfig(env, commandApiConfigSpec);
