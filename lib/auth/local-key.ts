import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { stackSettings } from '../../stack/layout';
import { createTokenVerifier, type TokenVerifier } from './token-verifier';

/**
 * The development signing key: an ES256 pair generated on first use under the cache directory the
 * stack already uses for provisioned things (ORDERSTREAM_CACHE_DIR, default ~/.cache/orderstream),
 * mode 0600, never in the repository. Servers verify with its public half, the `token` CLI and the
 * tests sign with its private half, so a token from `npm run token` works against `npm start`.
 */
export const LOCAL_KEY_ALGORITHM = 'ES256';
export const LOCAL_ISSUER = 'orderstream-local';
export const DEFAULT_AUDIENCE = 'orderstream';

export interface LocalKeyPair {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  path: string;
}

export const localKeyPath = (env: NodeJS.ProcessEnv = process.env): string =>
  join(stackSettings(env).layout.cacheDir, 'auth', 'local-signing-key.jwk.json');

async function readPair(path: string): Promise<LocalKeyPair> {
  const jwk = JSON.parse(await readFile(path, 'utf8')) as JWK & { kid: string };
  const { d: _private, ...publicJwk } = jwk;
  return {
    kid: jwk.kid,
    privateKey: (await importJWK(jwk, LOCAL_KEY_ALGORITHM)) as KeyLike,
    publicKey: (await importJWK(publicJwk, LOCAL_KEY_ALGORITHM)) as KeyLike,
    path,
  };
}

/**
 * Loads the local pair, generating it when absent. Several services start at once on a fresh
 * machine, so the key is written to a temporary file and hard-linked into place: exactly one
 * writer wins, and nobody ever reads a half-written file.
 */
export async function loadLocalKeyPair(env: NodeJS.ProcessEnv = process.env): Promise<LocalKeyPair> {
  const path = localKeyPath(env);
  try {
    return await readPair(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(LOCAL_KEY_ALGORITHM, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: LOCAL_KEY_ALGORITHM };
  const temporary = join(dir, `.key-${process.pid}-${randomUUID()}.tmp`);
  await writeFile(temporary, JSON.stringify(jwk), { mode: 0o600 });
  try {
    await chmod(temporary, 0o600);
    await link(temporary, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return readPair(path);
}

/** A verifier for tokens of the local key with the default issuer and audience (tools, tests, benchmarks). */
export const localKeyVerifier = (
  key: Pick<LocalKeyPair, 'publicKey'>,
  clockToleranceSeconds = 30,
): TokenVerifier =>
  createTokenVerifier({
    key: key.publicKey,
    algorithms: [LOCAL_KEY_ALGORITHM],
    issuer: LOCAL_ISSUER,
    audience: DEFAULT_AUDIENCE,
    clockToleranceSeconds,
  });
