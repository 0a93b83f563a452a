import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type CryptoKey, type JWK, exportJWK, generateKeyPair, importJWK } from 'jose';

export const LOCAL_SIGNING_ALG = 'ES256';

/**
 * The key pair that signs admin tokens when no OIDC issuer is configured (docs/PRODUCT.md,
 * "Identity").
 */
export interface LocalSigningKey {
  readonly privateKey: CryptoKey;
  /** What the service publishes as its JWKS and verifies with. */
  readonly publicJwk: JWK;
}

export async function generateLocalSigningKey(): Promise<{ key: LocalSigningKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(LOCAL_SIGNING_ALG, { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: LOCAL_SIGNING_ALG, use: 'sig' };
  return { key: await fromPrivateJwk(privateJwk), privateJwk };
}

/**
 * Reads the key from `file`, creating it on first use. The service and the CLI share it through
 * this file: the service verifies with its public half, the CLI signs with the private one.
 */
export async function loadOrCreateLocalSigningKey(file: string): Promise<LocalSigningKey> {
  try {
    return await fromPrivateJwk(JSON.parse(await fs.readFile(file, 'utf8')) as JWK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { key, privateJwk } = await generateLocalSigningKey();
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    await fs.writeFile(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    // Another process (the CLI beside the service) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateLocalSigningKey(file);
    throw error;
  }
}

async function fromPrivateJwk(privateJwk: JWK): Promise<LocalSigningKey> {
  const { d, ...publicJwk } = privateJwk;
  const privateKey = await importJWK(privateJwk, LOCAL_SIGNING_ALG);
  if (d === undefined || privateKey instanceof Uint8Array) {
    throw new Error('the local signing key file does not hold an EC private key');
  }
  return { privateKey, publicJwk };
}
