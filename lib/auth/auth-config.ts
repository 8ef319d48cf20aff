import { envVar, type ConfigOf } from '../config/env';
import { ConfigError } from '../errors';
import { DEFAULT_AUDIENCE, LOCAL_ISSUER, LOCAL_KEY_ALGORITHM, loadLocalKeyPair } from './local-key';
import {
  ALLOWED_ALGORITHMS,
  createTokenVerifier,
  readPublicKeyFile,
  remoteKeySet,
  type TokenVerifier,
} from './token-verifier';

/**
 * The authentication variables every HTTP service reads (spread into its config spec). Keys come
 * from AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE; with neither, the local development key is used.
 */
export const authConfigSpec = {
  AUTH_JWKS_URL: envVar.url({ protocols: ['https:', 'http:'], required: false }),
  AUTH_PUBLIC_KEY_FILE: envVar.string({ required: false }),
  AUTH_ISSUER: envVar.string({ default: LOCAL_ISSUER }),
  AUTH_AUDIENCE: envVar.string({ default: DEFAULT_AUDIENCE }),
  /** Bounded: a generous tolerance would keep expired tokens alive. */
  AUTH_CLOCK_TOLERANCE_S: envVar.int({ default: 30, min: 0, max: 300 }),
  /** For a JWKS or key file; the local key is always ES256. */
  AUTH_ALGORITHMS: envVar.list({ default: ['ES256'] }),
};

export type AuthConfig = ConfigOf<typeof authConfigSpec>;

export interface ConfiguredVerifier {
  verifier: TokenVerifier;
  /** Where keys come from, for the start-up log line (never the key itself). */
  source: string;
}

/** Builds the verifier the configuration names; ConfigError when it names something unusable. */
export async function verifierFromConfig(
  config: AuthConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfiguredVerifier> {
  const common = {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_S,
  };
  const refused = config.AUTH_ALGORITHMS.filter((alg) => !ALLOWED_ALGORITHMS.includes(alg));
  if (refused.length > 0) {
    throw new ConfigError(
      'AUTH_ALGORITHMS',
      `must be among ${ALLOWED_ALGORITHMS.join(', ')}, got ${refused.join(', ')}`,
    );
  }
  if (config.AUTH_JWKS_URL !== undefined && config.AUTH_PUBLIC_KEY_FILE !== undefined) {
    throw new ConfigError('AUTH_JWKS_URL', 'set either AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE, not both');
  }
  if (config.AUTH_JWKS_URL !== undefined) {
    return {
      verifier: createTokenVerifier({
        ...common,
        key: remoteKeySet(config.AUTH_JWKS_URL),
        algorithms: config.AUTH_ALGORITHMS,
      }),
      source: `JWKS ${config.AUTH_JWKS_URL}`,
    };
  }
  if (config.AUTH_PUBLIC_KEY_FILE !== undefined) {
    const key = await readPublicKeyFile(config.AUTH_PUBLIC_KEY_FILE, config.AUTH_ALGORITHMS);
    return {
      verifier: createTokenVerifier({ ...common, key, algorithms: config.AUTH_ALGORITHMS }),
      source: `key file ${config.AUTH_PUBLIC_KEY_FILE}`,
    };
  }
  const local = await loadLocalKeyPair(env);
  return {
    verifier: createTokenVerifier({ ...common, key: local.publicKey, algorithms: [LOCAL_KEY_ALGORITHM] }),
    source: `local development key ${local.path} (get a token: npm run -s token -- --role customer --sub c-1)`,
  };
}
