import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import type { DatabasePool } from 'slonik';
import { type Config, parseConfig } from '../../src/config.ts';
import { migrationNames } from '../../src/db/migrate.ts';
import { createApp } from '../../src/http/app.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { type LocalSigningKey, generateLocalSigningKey } from '../../src/identity/local-signing-key.ts';
import { type AdminTokenRequest, mintAdminToken } from '../../src/identity/mint-admin-token.ts';
import { createLogger } from '../../src/logger.ts';
import { createSchemaGate } from '../../src/operations/schema-gate.ts';
import { declaredAnswersCheck } from './declared-answers.ts';

export const CONTRACT_BASE_URL = 'https://contracts.example.test/c';

export interface TestServer {
  readonly baseUrl: string;
  readonly config: Config;
  readonly key: LocalSigningKey;
  /** A valid admin token for the club, as the CLI would mint it. */
  adminToken(tenantSlug: string, options?: Partial<AdminTokenRequest>): Promise<string>;
  /** Also fails when the server gave an answer (an error code, a JSON body) its operation does not declare. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Environment variables, as the service would read them. */
  readonly env?: Record<string, string>;
  /** The local signing key; a new one by default. */
  readonly signingKey?: LocalSigningKey;
  /** Where log lines go (at level info); none are written by default. */
  readonly logs?: Writable;
}

/**
 * Tests try far more dead family links (404, 410) from 127.0.0.1 than any family would, and each
 * counts against the family rate limit: it is set out of their way unless a test's `env` sets its own.
 */
export const RATE_LIMIT_OUT_OF_THE_WAY = { FAMILY_RATE_LIMIT_PER_SECOND: '1000000', FAMILY_RATE_LIMIT_BURST: '1000000' };

/**
 * The real app on a real port, wired as src/main.ts wires it once its migrations have run (the
 * schema gate checked once), with a key pair made for the test.
 */
export async function startTestServer(pool: DatabasePool, options: TestServerOptions = {}): Promise<TestServer> {
  const config = parseConfig({
    CONTRACT_BASE_URL,
    LOG_LEVEL: options.logs ? 'info' : 'silent',
    ...RATE_LIMIT_OUT_OF_THE_WAY,
    ...options.env,
  });
  const key = options.signingKey ?? (await generateLocalSigningKey()).key;
  const logger = createLogger(config.logLevel, options.logs);
  const schemaGate = createSchemaGate(pool, migrationNames());
  await schemaGate.check();
  // Every test file's traffic doubles as a check of the operations' declared error codes and answers.
  const declaredAnswers = declaredAnswersCheck();
  const app = createApp(config, { pool, logger, localKey: key, schemaGate, reportAnswer: declaredAnswers.record });
  const server: Server = createHttpServer(app, config.http).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    key,
    adminToken: (tenantSlug, options = {}) =>
      mintAdminToken(config.identity, key, { tenantSlug, email: 'coach@example.test', ttlSeconds: 600, ...options }),
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      declaredAnswers.check();
    },
  };
}
