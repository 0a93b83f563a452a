import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { decodeJwt } from 'jose';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { request } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';

// The operator's CLI (docs/PRODUCT.md, "Running it"), run as the `bin` entry the package installs.

const run = promisify(execFile);
const BIN = path.resolve('bin/club-contracts.js');

let db: TestDatabase;
let dataDir: string;
test.before(async () => {
  db = await createTestDatabase({ empty: true });
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-cli-'));
});
test.after.always(async () => {
  await db?.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

type CliFailure = Error & { stderr: string; code: number };

const cli = (...args: string[]) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir } });

test.serial('migrate up applies the migrations to DATABASE_URL', async (t) => {
  const { stdout } = await cli('migrate', 'up');
  t.regex(stdout, /up: 0001_/);
  t.is((await cli('migrate', 'up')).stdout.trim(), 'nothing to do');
});

test.serial('tenant create adds a club; a token it mints opens that club to the API', async (t) => {
  const created = JSON.parse((await cli('tenant', 'create', 'cli-club', 'CLI Club')).stdout);
  t.like(created, { slug: 'cli-club', name: 'CLI Club' });

  const token = (await cli('token', 'cli-club', '--email', 'ops@example.test', '--ttl', '60')).stdout.trim();
  t.regex(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

  const key = await loadOrCreateLocalSigningKey(path.join(dataDir, 'local-admin-signing-key.json'));
  const server = await startTestServer(db.pool, { signingKey: key });
  t.teardown(() => server.close());
  const reply = await request(server.baseUrl, 'POST', '/admin/teams', { token, body: { name: 'From the CLI' } });
  t.is(reply.status, 201);
});

test.serial('token for a club that does not exist: one line saying so, exit 2, no token', async (t) => {
  for (const slug of ['no-such-club', 'Not A Slug']) {
    const refused = await t.throwsAsync<CliFailure & { stdout: string }>(cli('token', slug));
    t.is(refused?.code, 2, slug);
    t.is(refused?.stdout, '', `${slug}: nothing on stdout, so TOKEN=$(…) stays empty`);
    t.is(refused?.stderr, `club-contracts: no club has the slug "${slug}": add it first with "tenant create ${slug} <name>"\n`);
  }
});

test.serial('token --ttl is bounded by OIDC_MAX_TOKEN_LIFETIME_SECONDS, which the service enforces; the default fits it', async (t) => {
  const tooLong = await t.throwsAsync<CliFailure>(cli('token', 'cli-club', '--ttl', '86401'));
  t.is(tooLong?.code, 2);
  t.regex(tooLong?.stderr ?? '', /^club-contracts: --ttl is at most 86400 seconds: .*OIDC_MAX_TOKEN_LIFETIME_SECONDS\)\n$/);

  const day = decodeJwt((await cli('token', 'cli-club', '--ttl', '86400')).stdout.trim());
  t.is((day.exp ?? 0) - (day.iat ?? 0), 86_400);
  const bounded = (...args: string[]) =>
    run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, OIDC_MAX_TOKEN_LIFETIME_SECONDS: '120' },
    });
  const short = decodeJwt((await bounded('token', 'cli-club')).stdout.trim());
  t.is((short.exp ?? 0) - (short.iat ?? 0), 120, 'the default hour, shortened to the bound');
  const hour = decodeJwt((await cli('token', 'cli-club')).stdout.trim());
  t.is((hour.exp ?? 0) - (hour.iat ?? 0), 3600, 'an hour by default');
});

test.serial('token --ttl is plain decimal digits: hex, exponents, signs and spaces are refused with exit 2, no token', async (t) => {
  for (const ttl of ['0x10', '1e3', '+5', ' 5', '5 ', '5.0', '0b101', '0o7', '１２', '']) {
    const refused = await t.throwsAsync<CliFailure & { stdout: string }>(cli('token', 'cli-club', '--ttl', ttl));
    t.is(refused?.code, 2, JSON.stringify(ttl));
    t.is(refused?.stdout, '', JSON.stringify(ttl));
    t.regex(refused?.stderr ?? '', /^club-contracts: --ttl takes a number of seconds, in decimal digits only\n/, JSON.stringify(ttl));
  }
  const token = decodeJwt((await cli('token', 'cli-club', '--ttl', '016')).stdout.trim());
  t.is((token.exp ?? 0) - (token.iat ?? 0), 16, 'leading zeros are still decimal');
});

// NUL is left out: no argv can carry it.
test.serial('token --email with a control character (C0, DEL or C1) is refused with exit 2, no token, the value not echoed', async (t) => {
  for (const email of [
    'ops@example.test\n',
    'ops\u0001@example.test',
    '\u001b[2Jops@example.test',
    'ops\u007f@example.test',
    'ops\u0085@example.test',
    'ops\u009b@example.test',
  ]) {
    const refused = await t.throwsAsync<CliFailure & { stdout: string }>(cli('token', 'cli-club', '--email', email));
    t.is(refused?.code, 2, JSON.stringify(email));
    t.is(refused?.stdout, '', JSON.stringify(email));
    t.regex(refused?.stderr ?? '', /^club-contracts: --email takes an address of at most 320 characters, without control characters\n/);
    t.false(refused?.stderr.includes('example.test'), 'the value is not echoed');
  }
  const token = decodeJwt((await cli('token', 'cli-club', '--email', 'Zoë+ops@example.test')).stdout.trim());
  t.is(token.email, 'Zoë+ops@example.test');
});

test.serial('the key file is readable by its owner only', async (t) => {
  await cli('token', 'cli-club');
  const { mode } = await fs.stat(path.join(dataDir, 'local-admin-signing-key.json'));
  t.is(mode & 0o777, 0o600);
});

test.serial('a duplicate or malformed slug is refused with a clear message and exit code 2', async (t) => {
  const duplicate = await t.throwsAsync<CliFailure>(cli('tenant', 'create', 'cli-club', 'Again'));
  t.regex(duplicate?.stderr ?? '', /already exists/);
  t.is(duplicate?.code, 2);
  const malformed = await t.throwsAsync<CliFailure>(cli('tenant', 'create', 'Not A Slug', 'X'));
  t.regex(malformed?.stderr ?? '', /slug/);
});

test.serial('an unknown command prints the usage', async (t) => {
  const error = await t.throwsAsync<CliFailure>(cli('frobnicate'));
  t.regex(error?.stderr ?? '', /Usage: club-contracts/);
});

test('the developers’ db sync --check (tools/cli.ts) finds the migrations in step with the machine and sql/, and writes nothing', async (t) => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tools/cli.ts', 'db', 'sync', '--check']);
  t.regex(stdout, /^the machine's rules and sql\/ are what the migrations install, up to \d{4}_[a-z-]+: nothing to write$/m);
});
