import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WebhookConfig } from '../config.ts';

/**
 * Seals the endpoints' signing secrets for the database with AES-256-GCM under WEBHOOK_SECRET_KEY
 * (docs/WEBHOOKS.md, "The secret key"), so that a dump alone cannot sign a delivery. A sealed
 * secret is the 12-byte nonce, the ciphertext and the 16-byte tag. The key is read, or made into
 * its file (0600), on first use: a service that never meets a webhook writes no key.
 */
export interface SecretBox {
  /** Names the key without revealing it: stored beside each secret it sealed. */
  keyId(): string;
  seal(secret: string): Buffer;
  /** Throws when the secret was sealed under another key, or changed since. */
  open(sealed: Buffer): string;
}

export class WebhookSecretKeyMismatch extends Error {
  constructor(
    readonly storedKeyIds: readonly string[],
    keyId: string,
  ) {
    super(
      `WEBHOOK_SECRET_KEY is not the key the webhook secrets in the database were sealed with (they name key ${storedKeyIds.join(', ')}; ` +
        `this one is ${keyId}). Restore that key (WEBHOOK_SECRET_KEY, or the file $DATA_DIR/webhook-secret.key); ` +
        'without it no delivery can be signed, and each endpoint needs a new secret (rotate-secret).',
    );
    this.name = 'WebhookSecretKeyMismatch';
  }
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(config: Pick<WebhookConfig, 'secretKey' | 'secretKeyFile'>): SecretBox {
  let key: Buffer | null = config.secretKey;
  const theKey = (): Buffer => {
    key ??= loadOrCreateKeyFile(config.secretKeyFile);
    return key;
  };
  return {
    keyId: () => createHash('sha256').update('club-contracts webhook secret key\n').update(theKey()).digest('hex').slice(0, 16),
    seal(secret) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', theKey(), nonce);
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return Buffer.concat([nonce, sealed, cipher.getAuthTag()]);
    },
    open(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', theKey(), sealed.subarray(0, NONCE_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

function loadOrCreateKeyFile(file: string): Buffer {
  try {
    return readKey(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process of the deployment (the worker beside the service) made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKey(file);
}

function readKey(file: string): Buffer {
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a webhook secret key (32 bytes in base64)`);
  return key;
}

/**
 * At start-up: every secret in the database was sealed under the configured key. A changed key
 * stops the start with what to do, rather than leaving each delivery to fail on its own.
 */
export function checkWebhookSecretKey(secrets: SecretBox, storedKeyIds: readonly string[]): void {
  if (storedKeyIds.length === 0) return;
  const keyId = secrets.keyId();
  const others = storedKeyIds.filter((stored) => stored !== keyId);
  if (others.length > 0) throw new WebhookSecretKeyMismatch(others, keyId);
}
