import path from 'node:path';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

/**
 * Everything the service reads from its environment, parsed once at start-up (docs/PRODUCT.md,
 * "Configuration"; every setting: docs/CONFIGURATION.md, "Configuration") and passed to whatever needs it.
 * Nothing else in `src/` reads `process.env`.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** A URL when the operator runs PostgreSQL; otherwise the service starts an embedded one. */
  readonly databaseUrl: string | null;
  /**
   * Where migrations run, when not through `databaseUrl`: PostgreSQL itself when `databaseUrl` is a
   * transaction-mode PgBouncer, which cannot hold the migrator's session advisory lock.
   */
  readonly databaseMigrationUrl: string | null;
  readonly databasePoolSize: number;
  /** Bounds on waiting for the database, so a lost or overloaded one answers 503, never a hang. */
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  readonly databasePoolWaitTimeoutMs: number;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly contractBaseUrl: string;
  readonly contractVersion: string;
  /** ISO 4217 code the monthly fee is shown in on the family page; fees are whole units. */
  readonly currency: string;
  readonly identity: IdentityConfig;
  readonly idempotency: IdempotencyConfig;
  readonly trustProxy: boolean;
  readonly logLevel: LogLevel;
  /** Requests per client on the family links, so tokens cannot be probed at speed; null: no limit. */
  readonly familyRateLimit: { readonly perSecond: number; readonly burst: number } | null;
  /** Whether this process also runs the job queue's worker (WORKER=off: an API-only replica). */
  readonly worker: boolean;
  readonly reminders: ReminderConfig;
  readonly familyMail: FamilyMailBudget;
  /** An offer not signed this many days after it is made expires (the job queue's EXPIRE). */
  readonly offerValidDays: number;
  /** How often the worker seals new audit rows into checkpoints (AUDIT_SEAL_INTERVAL_SECONDS). */
  readonly auditSealIntervalMs: number;
  readonly mail: MailConfig;
  readonly http: HttpLimits;
  readonly webhooks: WebhookConfig;
  readonly receipts: ReceiptConfig;
}

/** The seal of the receipt PDFs (docs/RECEIPTS.md, "The seal"). */
export interface ReceiptConfig {
  /** RECEIPT_SIGNING_P12: a PKCS#12 file with an RSA key and its certificate; null: the self-signed one. */
  readonly p12File: string | null;
  readonly p12Password: string;
  /** Where the self-signed P12 is made on first use (mode 0600) when no P12 is configured. */
  readonly selfSignedFile: string;
  /** Named in the self-signed certificate's subject and the seal's location: CONTRACT_BASE_URL's host. */
  readonly deploymentName: string;
}

/** Webhook endpoints and their deliveries (docs/WEBHOOKS.md). */
export interface WebhookConfig {
  /** WEBHOOK_SECRET_KEY, 32 bytes; null: the key in `secretKeyFile`, made on first use. */
  readonly secretKey: Buffer | null;
  readonly secretKeyFile: string;
  /** Loopback, private, link-local… addresses and plain http allowed (a test or a closed network). */
  readonly allowPrivateNetworks: boolean;
  /** One attempt: connecting, sending and the answer. */
  readonly timeoutMs: number;
  /** The wait before each retry: attempts are one more than its length. */
  readonly retryDelaysSeconds: readonly number[];
  /** An endpoint whose attempts have failed this long without a success in between is disabled. */
  readonly disableAfterSeconds: number;
  /** Deliveries under way at once, beside the e-mail worker's own. */
  readonly concurrency: number;
}

/** How long a request may take to arrive (src/http/server.ts); past either, 408 and the connection closes. */
export interface HttpLimits {
  /** From the connection (or the end of the previous request on it) to the end of the headers. */
  readonly headersTimeoutMs: number;
  /** The same to the end of the body: the whole request. */
  readonly requestTimeoutMs: number;
}

/** How e-mail leaves (docs/OPERATING.md, "E-mail"); src/mail/mailer.ts sends with it. */
export interface MailConfig {
  /**
   * `smtp://[user:pass@]host:port` (STARTTLS whenever the server offers it) or `smtps://…`
   * (TLS from the start). Null: every message is written as an `.eml` file under `mailDir`.
   */
  readonly smtpUrl: string | null;
  /** The From header, one address with an optional display name. */
  readonly from: string;
  readonly mailDir: string;
  /** Bounds each wait on the SMTP server: connecting, its greeting, and every answer. */
  readonly timeoutMs: number;
  /**
   * PEM certificates to trust for the SMTP server instead of the system's authorities. Never read
   * from the environment: the tests trust their own self-signed certificate with it. The server's
   * certificate is always verified.
   */
  readonly trustedCertificates?: string;
}

/** Automatic reminders of an open offer: every `intervalDays` after it, at most `max` of them. */
export interface ReminderConfig {
  readonly intervalDays: number;
  readonly max: number;
}

/**
 * How many offer and reminder mails one address gets from a club (sql/claim_family_mail.sql): at
 * most `perHour` in any hour, and at most two in any `spacingSeconds`; the rest wait, and a newer
 * offer's mail replaces a waiting one.
 */
export interface FamilyMailBudget {
  readonly perHour: number;
  readonly spacingSeconds: number;
}

export type IdentityConfig = {
  readonly audience: string;
  readonly adminRole: string;
  readonly tenantClaim: string;
  /** Clock difference with the issuer forgiven when checking `exp`, `nbf` and `iat`. */
  readonly clockToleranceSeconds: number;
  /** The longest `exp − iat` accepted (for a token without `iat`, `exp − now`); the CLI mints within it. */
  readonly maxTokenLifetimeSeconds: number;
} & (
  | { readonly mode: 'local'; readonly issuer: string; readonly keyFile: string }
  | { readonly mode: 'oidc'; readonly issuer: string; readonly jwksUrl: string; readonly jwks: JwksConfig }
);

/** Idempotency-Key on admin writes: how long a key is remembered, how long a duplicate waits. */
export interface IdempotencyConfig {
  readonly ttlSeconds: number;
  readonly waitMs: number;
}

/** How the issuer's key set is fetched and kept. */
export interface JwksConfig {
  /** A fetch taking longer fails the request with 503 rather than holding it. */
  readonly timeoutMs: number;
  /** An unknown `kid` refetches the key set at most this often, so made-up kids cannot flood the issuer. */
  readonly cooldownSeconds: number;
  /** The key set is refetched once it is this old, so a key the issuer withdraws stops being accepted. */
  readonly cacheMaxAgeSeconds: number;
}

export type LogLevel = z.infer<typeof logLevel>;

/**
 * The issuer of tokens signed by the local key pair (docs/PRODUCT.md, "Identity"), used when no
 * OIDC issuer is set.
 */
export const LOCAL_ISSUER = 'urn:club-contracts:local';

/**
 * Defaults that keep the "503 within 10 s" for an unreachable database (docs/PRODUCT.md,
 * "Database"): a request waits at most 5 s for a free connection, then makes one connection attempt
 * of at most 4 s. The statement timeout bounds a reachable but stuck database (a long lock wait
 * included) and, a second later, a connection gone silent mid-query (src/db/pool.ts): about 7 s in
 * all.
 */
export const DATABASE_TIMEOUT_DEFAULTS = {
  connectTimeoutMs: 4_000,
  statementTimeoutMs: 5_000,
  poolWaitTimeoutMs: 5_000,
} as const;

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const port = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a port number')
  .transform(Number)
  .pipe(z.number().max(65535, 'must be a port number'));

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

const milliseconds = (defaultValue: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .pipe(z.number().min(100, 'must be at least 100 ms').max(600_000, 'must be at most 600000 ms (10 minutes)'))
    .default(String(defaultValue));

const postgresUrl = z
  .string()
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL');

// `z.coerce.boolean()` would read "false" as true.
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

const nonEmpty = z.string().trim().min(1);

const smtpUrl = z
  .string()
  .url()
  .refine((value) => /^smtps?:\/\/[^/?#]/i.test(value), 'must be an smtp:// or smtps:// URL with a host')
  // nodemailer would read TLS settings from a query string; here the certificate is always verified.
  .refine(
    (value) => !/[?#]/.test(value) && ['', '/'].includes(new URL(value).pathname),
    'takes no path, ?query or #fragment: only [user:pass@]host[:port]',
  );

/** One mailbox, `Name <address>` or a bare address: not a list, not a group, not two header lines. */
const mailbox = nonEmpty.refine((value) => {
  if (/[\r\n]/.test(value)) return false;
  const parsed = addressparser(value);
  return (
    parsed.length === 1 &&
    parsed[0] !== undefined &&
    !('group' in parsed[0] && parsed[0].group) &&
    /^[^@\s]+@[^@\s]+$/.test(parsed[0].address ?? '')
  );
}, 'must be one e-mail address, such as club-contracts <no-reply@example.org>');

const wholeNumber = (min: number, max: number, unit: string) => {
  const range = `must be between ${min} and ${max} ${unit}`;
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().min(min, range).max(max, range));
};

/**
 * Every variable the service reads, with its default, its bounds and what it means (`.describe()`):
 * docs/CONFIGURATION.md is generated from it by `npm run docs:config`.
 */
export const ENVIRONMENT_VARIABLES = z.object({
  PORT: port.default('3000').describe('HTTP port.'),
  HOST: nonEmpty.default('127.0.0.1').describe('Interface to listen on (`0.0.0.0` in a container).'),
  DATABASE_URL: postgresUrl.optional().describe('PostgreSQL 15+ to use. Unset: start the embedded one.'),
  DATABASE_MIGRATION_URL: postgresUrl
    .optional()
    .describe(
      'Where `npm start` and `npm run migrate` run migrations. Set it to PostgreSQL itself when `DATABASE_URL` is a transaction-mode PgBouncer (docs/SCALING.md).',
    ),
  DATABASE_POOL_SIZE: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1).max(200))
    .default('10')
    .describe('Connections in the pool.'),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds(DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs).describe(
    'One attempt to connect lasts at most this long; then 503.',
  ),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs).describe(
    "PostgreSQL's `statement_timeout` (a row-lock wait counts); then 503. A query with no answer at all a second later is on a dead connection, which is dropped.",
  ),
  DATABASE_POOL_WAIT_TIMEOUT_MS: milliseconds(DATABASE_TIMEOUT_DEFAULTS.poolWaitTimeoutMs).describe(
    'How long a request waits for a free connection while all are busy; then 503.',
  ),
  DATA_DIR: nonEmpty
    .default('.data')
    .describe(
      'Embedded PostgreSQL data, its generated passwords, the local signing key, and `mail/` (the e-mail of a run without `SMTP_URL`).',
    ),
  EMBEDDED_POSTGRES_PORT: port.default('54320').describe('Port of the embedded PostgreSQL (loopback only).'),
  CONTRACT_BASE_URL: httpUrl.optional().describe('Family links are `$CONTRACT_BASE_URL/<token>`.'),
  CONTRACT_VERSION: nonEmpty.max(100).default('v1').describe('Contract text version recorded when a family signs.'),
  CONTRACT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD')
    .refine((code) => Intl.supportedValuesOf('currency').includes(code), 'is not a currency this runtime knows')
    .default('USD')
    .describe('Currency the monthly fee (a whole number) is shown in on the family page.'),
  OIDC_ISSUER: httpUrl
    .optional()
    .describe('Keycloak realm URL, e.g. `https://sso.example.org/realms/clubs`. Unset: local key pair.'),
  OIDC_AUDIENCE: nonEmpty
    .default('club-contracts')
    .describe('Required `aud` of admin tokens; also the client whose roles count.'),
  OIDC_JWKS_URL: httpUrl.optional().describe("Where the issuer's signing keys are."),
  OIDC_ADMIN_ROLE: nonEmpty
    .default('admin')
    .describe('Role required in `realm_access.roles` or `resource_access[$OIDC_AUDIENCE].roles`.'),
  OIDC_TENANT_CLAIM: nonEmpty.default('tenant').describe("Token claim holding the club's slug."),
  IDEMPOTENCY_KEY_TTL_SECONDS: wholeNumber(60, 30 * 24 * 3600, 'seconds')
    .default('86400')
    .describe('How long an `Idempotency-Key` answers with its first outcome.'),
  IDEMPOTENCY_WAIT_MS: wholeNumber(1, 60_000, 'milliseconds')
    .default('5000')
    .describe('How long a duplicate waits for a still-running request with its key before 409.'),
  // Past a few minutes a "tolerance" would keep expired tokens alive; fix the clock instead.
  OIDC_CLOCK_TOLERANCE_SECONDS: wholeNumber(0, 300, 'seconds')
    .default('30')
    .describe('Clock difference with the issuer forgiven on `exp`, `nbf` and `iat`.'),
  // Keycloak's access tokens last minutes; a day leaves room for a realm's longer choice.
  OIDC_MAX_TOKEN_LIFETIME_SECONDS: wholeNumber(60, 30 * 86_400, 'seconds')
    .default('86400')
    .describe(
      'Longest lifetime accepted, `exp − iat` (for a token without `iat`, `exp` − now): a token made to last longer (a leaked one with `exp` years away) is 401 whatever its signature. Applies to local tokens too; the CLI mints within it.',
    ),
  OIDC_JWKS_TIMEOUT_MS: wholeNumber(100, 30_000, 'milliseconds')
    .default('2000')
    .describe("Fetching the issuer's keys takes longer: the request answers 503 `identity_provider_unavailable`."),
  OIDC_JWKS_COOLDOWN_SECONDS: wholeNumber(1, 3600, 'seconds')
    .default('30')
    .describe('A token with an unknown `kid` (a rotated key) refetches the keys at most this often.'),
  OIDC_JWKS_CACHE_SECONDS: wholeNumber(1, 86_400, 'seconds')
    .default('600')
    .describe('The keys are refetched once this old, so a key the issuer withdraws stops working.'),
  TRUST_PROXY: flag
    .default('false')
    .describe(
      '`true`: the client\'s IP — the signer\'s, and the one the family rate limit counts — is the last address in `X-Forwarded-For` (the one your proxy appended). Set it behind a proxy (docs/OPERATING.md, "The family rate limit").',
    ),
  LOG_LEVEL: logLevel.default('info').describe('`fatal` … `trace`, or `silent`.'),
  FAMILY_RATE_LIMIT_PER_SECOND: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of requests per second (0 turns the limit off)')
    .transform(Number)
    .pipe(z.number().max(1_000_000))
    .default('5')
    .describe(
      'Dead links (answers 404 `contract_not_found` or 410) per second each client may try on the family links (`/contract/…`) once its burst is spent; past it those answers become 429 `too_many_requests` with `Retry-After`. A live link is never refused. A client is an IP address (with `TRUST_PROXY`, the one your proxy appended), an IPv6 client its /64. `0` turns the limit off. See docs/OPERATING.md, "The family rate limit".',
    ),
  FAMILY_RATE_LIMIT_BURST: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of requests')
    .transform(Number)
    .pipe(z.number().min(1).max(1_000_000))
    .default('30')
    .describe('Dead links a client may try at once before that rate applies.'),
  WORKER: z
    .enum(['on', 'off'])
    .default('on')
    .describe('`off`: this process does not send e-mail (an API-only replica); run `npm run worker` somewhere instead.'),
  REMINDER_INTERVAL_DAYS: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of days')
    .transform(Number)
    .pipe(z.number().min(0.001, 'must be more than 0 days').max(365))
    .default('3')
    .describe('An open offer is reminded of this many days after it, and again after as many more.'),
  REMINDER_MAX: wholeNumber(0, 20, 'reminders')
    .default('3')
    .describe('At most this many automatic reminders per offer (0 turns them off).'),
  OFFER_VALID_DAYS: wholeNumber(1, 365, 'days')
    .default('30')
    .describe(
      'An offer not signed this many days after it was made expires (EXPIRE, run by the job queue); its link then answers 410 `contract_expired`.',
    ),
  FAMILY_MAIL_PER_HOUR: wholeNumber(1, 100, 'e-mails')
    .default('6')
    .describe('Offer and reminder mails one club sends to one address in any hour; more wait (docs/PRODUCT.md, "E-mail").'),
  FAMILY_MAIL_SPACING_SECONDS: wholeNumber(0, 3600, 'seconds')
    .default('30')
    .describe(
      "Of those, at most two leave within this many seconds; a third waits, and a newer offer's mail takes its place (0: no spacing).",
    ),
  SMTP_URL: smtpUrl
    .optional()
    .describe(
      'Where e-mail goes: `smtp://[user:pass@]host:port` (STARTTLS whenever the server offers it) or `smtps://[user:pass@]host:port` (TLS from the start); nothing after the port. Unset: each message is written as an `.eml` file under `$DATA_DIR/mail/` (docs/OPERATING.md, "E-mail").',
    ),
  MAIL_FROM: mailbox
    .default('club-contracts <no-reply@localhost>')
    .describe(
      "The From of every message: one address, with a display name if you like. The club's name is in each subject and body.",
    ),
  SMTP_TIMEOUT_MS: wholeNumber(1000, 120_000, 'milliseconds')
    .default('10000')
    .describe('Longest wait for the SMTP server to connect, greet, or answer a command; then the attempt fails as temporary.'),
  HTTP_HEADERS_TIMEOUT_MS: wholeNumber(1000, 120_000, 'milliseconds')
    .default('15000')
    .describe(
      "A request's headers must have arrived this long after its connection opened (or its previous request ended); else 408 `request_timeout` and the connection closes.",
    ),
  HTTP_REQUEST_TIMEOUT_MS: wholeNumber(1000, 600_000, 'milliseconds')
    .default('30000')
    .describe(
      "The same for the whole request, body included (no shorter than the headers' bound). Sized for a phone on a poor mobile link (a few KB/s, seconds of round trip, lost packets resent): its headers take seconds, a family's form post is under 1 KB, an admin's largest body (a club's terms, up to 100,000 characters) about 10 s at 15 KB/s. Node's own bounds (60 s, 300 s) let a client sending a byte every few seconds hold a connection for five minutes.",
    ),
  WEBHOOK_SECRET_KEY: z
    .string()
    .trim()
    .refine((value) => /^[A-Za-z0-9+/_-]{43}=?$/.test(value) && Buffer.from(value, 'base64').length === 32, {
      message: 'must be 32 random bytes in base64, such as the output of `openssl rand -base64 32`',
    })
    .transform((value) => Buffer.from(value, 'base64'))
    .optional()
    .describe(
      'Encrypts the webhook endpoints\' secrets in the database (AES-256-GCM), so a dump alone cannot sign. Unset: a key made once in `$DATA_DIR/webhook-secret.key` (mode 0600). Keep it with your backups: with another key, the service refuses to start rather than send unsigned deliveries (docs/WEBHOOKS.md, "The secret key").',
    ),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: flag
    .default('false')
    .describe(
      '`true`: endpoints may be `http://` and reach loopback, private, link-local and other non-public addresses. Leave it `false` unless every club is yours: otherwise an endpoint URL reaches into your network.',
    ),
  WEBHOOK_TIMEOUT_MS: wholeNumber(100, 60_000, 'milliseconds')
    .default('10000')
    .describe('One delivery attempt (connecting, sending, the answer) fails past this.'),
  WEBHOOK_RETRY_DELAYS_SECONDS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be whole numbers of seconds separated by commas')
    .transform((value) => value.split(',').map(Number))
    .pipe(
      z
        .array(
          z
            .number()
            .min(1, 'each delay must be at least 1 second')
            .max(7 * 86_400),
        )
        .max(30, 'at most 30 retries'),
    )
    .default('5,300,1800,7200,18000,36000,36000')
    .describe(
      'The waits before each retry of a failed delivery; the attempts are one more. The default: 8 attempts over 27.6 hours.',
    ),
  WEBHOOK_DISABLE_AFTER_SECONDS: wholeNumber(1, 30 * 86_400, 'seconds')
    .default(String(3 * 86_400))
    .describe('An endpoint whose deliveries have failed for this long, with no success between, is disabled (3 days).'),
  WEBHOOK_CONCURRENCY: wholeNumber(1, 100, 'deliveries')
    .default('4')
    .describe('Deliveries under way at once, apart from the e-mail (one per endpoint at a time: a hanging endpoint holds one).'),
  AUDIT_SEAL_INTERVAL_SECONDS: wholeNumber(1, 3600, 'seconds')
    .default('5')
    .describe(
      'How often the worker seals the audit rows written since into a checkpoint per club (docs/DESIGN.md, "Tamper evidence"); a row is sealed within about this long of its commit.',
    ),
  RECEIPT_SIGNING_P12: nonEmpty
    .optional()
    .describe(
      'A PKCS#12 file (RSA key and its certificate, as a CA issued them) that seals every receipt PDF. Unset: a self-signed certificate made once in `$DATA_DIR/receipt-signing.p12` (mode 0600), its subject naming `CONTRACT_BASE_URL`\'s host. Keep it with your backups: `receipt verify` checks a receipt against this certificate (docs/RECEIPTS.md, "The seal").',
    ),
  RECEIPT_SIGNING_PASSWORD: z.string().optional().describe('The password of `RECEIPT_SIGNING_P12`. Unset: none.'),
});

const environment = ENVIRONMENT_VARIABLES.refine((vars) => vars.OIDC_ISSUER !== undefined || vars.OIDC_JWKS_URL === undefined, {
  path: ['OIDC_JWKS_URL'],
  message: 'is only used together with OIDC_ISSUER',
})
  .refine((vars) => vars.DATABASE_URL !== undefined || vars.DATABASE_MIGRATION_URL === undefined, {
    path: ['DATABASE_MIGRATION_URL'],
    message: 'is only used together with DATABASE_URL',
  })
  .refine((vars) => vars.RECEIPT_SIGNING_P12 !== undefined || vars.RECEIPT_SIGNING_PASSWORD === undefined, {
    path: ['RECEIPT_SIGNING_PASSWORD'],
    message: 'is only used together with RECEIPT_SIGNING_P12',
  })
  // The headers are part of the request: Node refuses a headers timeout longer than the request's.
  .refine((vars) => vars.HTTP_HEADERS_TIMEOUT_MS <= vars.HTTP_REQUEST_TIMEOUT_MS, {
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS',
  });

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; blank variables count as unset, so `PORT=` means the default. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''),
  );
  const result = environment.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const vars = result.data;
  const dataDir = path.resolve(cwd, vars.DATA_DIR);
  const contractBaseUrl = vars.CONTRACT_BASE_URL ?? `http://localhost:${vars.PORT}/contract`;
  const shared = {
    audience: vars.OIDC_AUDIENCE,
    adminRole: vars.OIDC_ADMIN_ROLE,
    tenantClaim: vars.OIDC_TENANT_CLAIM,
    clockToleranceSeconds: vars.OIDC_CLOCK_TOLERANCE_SECONDS,
    maxTokenLifetimeSeconds: vars.OIDC_MAX_TOKEN_LIFETIME_SECONDS,
  };
  const identity: IdentityConfig = vars.OIDC_ISSUER
    ? {
        ...shared,
        mode: 'oidc',
        issuer: vars.OIDC_ISSUER,
        jwksUrl: vars.OIDC_JWKS_URL ?? `${vars.OIDC_ISSUER}/protocol/openid-connect/certs`,
        jwks: {
          timeoutMs: vars.OIDC_JWKS_TIMEOUT_MS,
          cooldownSeconds: vars.OIDC_JWKS_COOLDOWN_SECONDS,
          cacheMaxAgeSeconds: vars.OIDC_JWKS_CACHE_SECONDS,
        },
      }
    : { ...shared, mode: 'local', issuer: LOCAL_ISSUER, keyFile: path.join(dataDir, 'local-admin-signing-key.json') };

  return {
    port: vars.PORT,
    host: vars.HOST,
    databaseUrl: vars.DATABASE_URL ?? null,
    databaseMigrationUrl: vars.DATABASE_MIGRATION_URL ?? null,
    databasePoolSize: vars.DATABASE_POOL_SIZE,
    databaseConnectTimeoutMs: vars.DATABASE_CONNECT_TIMEOUT_MS,
    databaseStatementTimeoutMs: vars.DATABASE_STATEMENT_TIMEOUT_MS,
    databasePoolWaitTimeoutMs: vars.DATABASE_POOL_WAIT_TIMEOUT_MS,
    dataDir,
    embeddedPostgresPort: vars.EMBEDDED_POSTGRES_PORT,
    contractBaseUrl,
    contractVersion: vars.CONTRACT_VERSION,
    currency: vars.CONTRACT_CURRENCY,
    identity,
    idempotency: { ttlSeconds: vars.IDEMPOTENCY_KEY_TTL_SECONDS, waitMs: vars.IDEMPOTENCY_WAIT_MS },
    trustProxy: vars.TRUST_PROXY,
    worker: vars.WORKER === 'on',
    reminders: { intervalDays: vars.REMINDER_INTERVAL_DAYS, max: vars.REMINDER_MAX },
    familyMail: { perHour: vars.FAMILY_MAIL_PER_HOUR, spacingSeconds: vars.FAMILY_MAIL_SPACING_SECONDS },
    offerValidDays: vars.OFFER_VALID_DAYS,
    auditSealIntervalMs: vars.AUDIT_SEAL_INTERVAL_SECONDS * 1000,
    logLevel: vars.LOG_LEVEL,
    familyRateLimit:
      vars.FAMILY_RATE_LIMIT_PER_SECOND === 0
        ? null
        : { perSecond: vars.FAMILY_RATE_LIMIT_PER_SECOND, burst: vars.FAMILY_RATE_LIMIT_BURST },
    mail: {
      smtpUrl: vars.SMTP_URL ?? null,
      from: vars.MAIL_FROM,
      mailDir: path.join(dataDir, 'mail'),
      timeoutMs: vars.SMTP_TIMEOUT_MS,
    },
    http: { headersTimeoutMs: vars.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: vars.HTTP_REQUEST_TIMEOUT_MS },
    webhooks: {
      secretKey: vars.WEBHOOK_SECRET_KEY ?? null,
      secretKeyFile: path.join(dataDir, 'webhook-secret.key'),
      allowPrivateNetworks: vars.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: vars.WEBHOOK_TIMEOUT_MS,
      retryDelaysSeconds: vars.WEBHOOK_RETRY_DELAYS_SECONDS,
      disableAfterSeconds: vars.WEBHOOK_DISABLE_AFTER_SECONDS,
      concurrency: vars.WEBHOOK_CONCURRENCY,
    },
    receipts: {
      p12File: vars.RECEIPT_SIGNING_P12 === undefined ? null : path.resolve(cwd, vars.RECEIPT_SIGNING_P12),
      p12Password: vars.RECEIPT_SIGNING_PASSWORD ?? '',
      selfSignedFile: path.join(dataDir, 'receipt-signing.p12'),
      deploymentName: new URL(contractBaseUrl).host,
    },
  };
}
