import test from 'ava';
import { ConfigError, LOCAL_ISSUER, parseConfig } from '../src/config.ts';

// docs/PRODUCT.md, "Configuration": configuration only from the environment, validated at start-up
// with clear messages.

test('defaults: port 3000, local identity, links served by this service', (t) => {
  const config = parseConfig({}, '/srv/app');
  t.like(config, {
    port: 3000,
    host: '127.0.0.1',
    databaseUrl: null,
    dataDir: '/srv/app/.data',
    contractBaseUrl: 'http://localhost:3000/contract',
    trustProxy: false,
    logLevel: 'info',
  });
  t.like(config.identity, {
    mode: 'local',
    issuer: LOCAL_ISSUER,
    audience: 'club-contracts',
    adminRole: 'admin',
    tenantClaim: 'tenant',
  });
});

test('OIDC_ISSUER switches to the issuer, with the Keycloak JWKS path by default', (t) => {
  const config = parseConfig({ OIDC_ISSUER: 'https://sso.example.test/realms/clubs/' });
  t.like(config.identity, {
    mode: 'oidc',
    issuer: 'https://sso.example.test/realms/clubs',
    jwksUrl: 'https://sso.example.test/realms/clubs/protocol/openid-connect/certs',
  });
});

test('TRUST_PROXY takes exactly true or false ("false" is false)', (t) => {
  t.false(parseConfig({ TRUST_PROXY: 'false' }).trustProxy);
  t.true(parseConfig({ TRUST_PROXY: 'true' }).trustProxy);
  t.throws(() => parseConfig({ TRUST_PROXY: 'yes' }), { instanceOf: ConfigError });
});

test('a blank variable counts as unset', (t) => {
  t.is(parseConfig({ PORT: '', DATABASE_URL: ' ' }).port, 3000);
});

test('every problem is reported at once, naming the variable', (t) => {
  const error = t.throws(
    () =>
      parseConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://nope',
        CONTRACT_BASE_URL: 'ftp://x',
        LOG_LEVEL: 'loud',
      }),
    { instanceOf: ConfigError },
  ) as ConfigError;
  t.is(error.problems.length, 4);
  for (const name of ['PORT', 'DATABASE_URL', 'CONTRACT_BASE_URL', 'LOG_LEVEL']) t.regex(error.message, new RegExp(name));
});

test('OIDC_JWKS_URL without OIDC_ISSUER is a mistake, not silently ignored', (t) => {
  t.throws(() => parseConfig({ OIDC_JWKS_URL: 'https://sso.example.test/certs' }), { message: /OIDC_JWKS_URL/ });
});

test('identity timings default to a 30 s clock tolerance and a 2 s JWKS timeout, 30 s cool-down, 10 min cache', (t) => {
  t.is(parseConfig({}).identity.clockToleranceSeconds, 30);
  const { identity } = parseConfig({ OIDC_ISSUER: 'https://sso.example.test/realms/clubs' });
  t.like(identity, {
    clockToleranceSeconds: 30,
    jwks: { timeoutMs: 2000, cooldownSeconds: 30, cacheMaxAgeSeconds: 600 },
  });
});

test('clock tolerance and JWKS timings are whole numbers within sane bounds', (t) => {
  const issuer = { OIDC_ISSUER: 'https://sso.example.test/realms/clubs' };
  const refused: Array<[string, string, RegExp]> = [
    ['OIDC_CLOCK_TOLERANCE_SECONDS', '301', /between 0 and 300 seconds/],
    ['OIDC_CLOCK_TOLERANCE_SECONDS', '1.5', /whole number of seconds/],
    ['OIDC_JWKS_TIMEOUT_MS', '50', /between 100 and 30000 milliseconds/],
    ['OIDC_JWKS_TIMEOUT_MS', '60000', /between 100 and 30000 milliseconds/],
    ['OIDC_JWKS_COOLDOWN_SECONDS', '0', /between 1 and 3600 seconds/],
    ['OIDC_JWKS_CACHE_SECONDS', '-5', /whole number of seconds/],
  ];
  for (const [name, value, message] of refused) {
    const error = t.throws(() => parseConfig({ ...issuer, [name]: value }), { instanceOf: ConfigError }) as ConfigError;
    t.regex(error.message, new RegExp(`${name}: `), `${name}=${value}`);
    t.regex(error.message, message, `${name}=${value}`);
  }
  t.like(
    parseConfig({
      ...issuer,
      OIDC_CLOCK_TOLERANCE_SECONDS: '0',
      OIDC_JWKS_TIMEOUT_MS: '500',
      OIDC_JWKS_COOLDOWN_SECONDS: '5',
      OIDC_JWKS_CACHE_SECONDS: '60',
    }).identity,
    { clockToleranceSeconds: 0, jwks: { timeoutMs: 500, cooldownSeconds: 5, cacheMaxAgeSeconds: 60 } },
  );
});

test('OIDC_MAX_TOKEN_LIFETIME_SECONDS: a day by default, from a minute to 30 days', (t) => {
  t.is(parseConfig({}).identity.maxTokenLifetimeSeconds, 86_400);
  t.is(parseConfig({ OIDC_MAX_TOKEN_LIFETIME_SECONDS: '300' }).identity.maxTokenLifetimeSeconds, 300);
  for (const value of ['59', '2592001', '1e9', '-1']) {
    t.throws(() => parseConfig({ OIDC_MAX_TOKEN_LIFETIME_SECONDS: value }), { message: /OIDC_MAX_TOKEN_LIFETIME_SECONDS: / }, value);
  }
});

test('HTTP_HEADERS_TIMEOUT_MS and HTTP_REQUEST_TIMEOUT_MS: 15 s and 30 s by default; the headers no longer than the request', (t) => {
  t.deepEqual(parseConfig({}).http, { headersTimeoutMs: 15_000, requestTimeoutMs: 30_000 });
  t.deepEqual(parseConfig({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' }).http, {
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
  });
  t.throws(() => parseConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' }), {
    message: /HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS/,
  });
  for (const [name, value] of [
    ['HTTP_HEADERS_TIMEOUT_MS', '999'],
    ['HTTP_REQUEST_TIMEOUT_MS', '600001'],
    ['HTTP_REQUEST_TIMEOUT_MS', '1.5'],
  ]) {
    t.throws(() => parseConfig({ [name as string]: value }), { message: new RegExp(`${name}: `) }, `${name}=${value}`);
  }
});

test("DATABASE_MIGRATION_URL sets where migrations run, apart from the service's DATABASE_URL", (t) => {
  const pooled = 'postgres://app:secret@pgbouncer.internal:6432/club_contracts';
  const direct = 'postgres://app:secret@db.internal:5432/club_contracts';
  t.like(parseConfig({ DATABASE_URL: pooled, DATABASE_MIGRATION_URL: direct }), {
    databaseUrl: pooled,
    databaseMigrationUrl: direct,
  });
  t.is(parseConfig({ DATABASE_URL: pooled }).databaseMigrationUrl, null);
  t.throws(() => parseConfig({ DATABASE_URL: pooled, DATABASE_MIGRATION_URL: 'mysql://nope' }), {
    message: /DATABASE_MIGRATION_URL/,
  });
});

test('DATABASE_MIGRATION_URL without DATABASE_URL is a mistake, not silently ignored', (t) => {
  t.throws(() => parseConfig({ DATABASE_MIGRATION_URL: 'postgres://app@db.internal/club_contracts' }), {
    message: /DATABASE_MIGRATION_URL/,
  });
});

test('database timeouts: defaults that answer an unreachable database within 10 s, each configurable', (t) => {
  t.like(parseConfig({}), {
    databaseConnectTimeoutMs: 4_000,
    databaseStatementTimeoutMs: 5_000,
    databasePoolWaitTimeoutMs: 5_000,
  });
  t.like(
    parseConfig({
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      DATABASE_STATEMENT_TIMEOUT_MS: '30000',
      DATABASE_POOL_WAIT_TIMEOUT_MS: '250',
    }),
    { databaseConnectTimeoutMs: 1_500, databaseStatementTimeoutMs: 30_000, databasePoolWaitTimeoutMs: 250 },
  );
});

test('database timeouts are whole milliseconds between 100 and 600000', (t) => {
  const error = t.throws(
    () =>
      parseConfig({
        DATABASE_CONNECT_TIMEOUT_MS: '4s',
        DATABASE_STATEMENT_TIMEOUT_MS: '0',
        DATABASE_POOL_WAIT_TIMEOUT_MS: '600001',
      }),
    { instanceOf: ConfigError },
  ) as ConfigError;
  t.deepEqual(error.problems, [
    'DATABASE_CONNECT_TIMEOUT_MS: must be a whole number of milliseconds',
    'DATABASE_STATEMENT_TIMEOUT_MS: must be at least 100 ms',
    'DATABASE_POOL_WAIT_TIMEOUT_MS: must be at most 600000 ms (10 minutes)',
  ]);
});

test('mail: without SMTP_URL, messages go to .eml files under DATA_DIR/mail, from the default sender', (t) => {
  t.deepEqual(parseConfig({ DATA_DIR: '/var/lib/club-contracts' }, '/srv/app').mail, {
    smtpUrl: null,
    from: 'club-contracts <no-reply@localhost>',
    mailDir: '/var/lib/club-contracts/mail',
    timeoutMs: 10_000,
  });
  t.is(parseConfig({}, '/srv/app').mail.mailDir, '/srv/app/.data/mail');
});

test('mail: SMTP_URL (smtp:// or smtps://, credentials allowed), MAIL_FROM and SMTP_TIMEOUT_MS', (t) => {
  t.deepEqual(
    parseConfig(
      {
        SMTP_URL: 'smtps://mailer:s3cret@smtp.example.org:465',
        MAIL_FROM: '"Demo Club, registrations" <registrations@example.org>',
        SMTP_TIMEOUT_MS: '1000',
      },
      '/srv/app',
    ).mail,
    {
      smtpUrl: 'smtps://mailer:s3cret@smtp.example.org:465',
      from: '"Demo Club, registrations" <registrations@example.org>',
      mailDir: '/srv/app/.data/mail',
      timeoutMs: 1000,
    },
  );
  t.is(parseConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).mail.smtpUrl, 'smtp://127.0.0.1:2525');
  t.is(parseConfig({ SMTP_URL: 'smtp://[::1]:2525/' }).mail.smtpUrl, 'smtp://[::1]:2525/');
  t.is(parseConfig({ SMTP_TIMEOUT_MS: '120000' }).mail.timeoutMs, 120_000);
  t.is(parseConfig({ MAIL_FROM: 'no-reply@example.org' }).mail.from, 'no-reply@example.org');
});

test('mail settings are refused with a reason, and a bad SMTP_URL is not echoed (it may hold a password)', (t) => {
  const refused: Array<[string, string, RegExp]> = [
    ['SMTP_URL', 'http://mailer:s3cret@smtp.example.org', /must be an smtp:\/\/ or smtps:\/\/ URL/],
    ['SMTP_URL', 'smtp://', /SMTP_URL/],
    ['SMTP_URL', 'smtp.example.org:25', /SMTP_URL/],
    ['SMTP_URL', 'smtp://mailer:s3cret@smtp.example.org?tls.rejectUnauthorized=false', /takes no path, \?query/],
    ['SMTP_URL', 'smtp://smtp.example.org/relay', /takes no path/],
    ['MAIL_FROM', 'nobody', /must be one e-mail address/],
    ['MAIL_FROM', 'a@example.org, b@example.org', /must be one e-mail address/],
    ['MAIL_FROM', 'Club: a@example.org;', /must be one e-mail address/],
    ['MAIL_FROM', 'a@example.org\r\nBcc: everyone@example.org', /must be one e-mail address/],
    ['SMTP_TIMEOUT_MS', '999', /between 1000 and 120000 milliseconds/],
    ['SMTP_TIMEOUT_MS', '120001', /between 1000 and 120000 milliseconds/],
    ['SMTP_TIMEOUT_MS', '10s', /whole number of milliseconds/],
  ];
  for (const [name, value, message] of refused) {
    const error = t.throws(() => parseConfig({ [name]: value }), { instanceOf: ConfigError }) as ConfigError;
    t.regex(error.message, new RegExp(`${name}: `), `${name}=${value}`);
    t.regex(error.message, message, `${name}=${value}`);
    t.false(error.message.includes('s3cret'));
  }
});
