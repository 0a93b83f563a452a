import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appDatabaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { findPostgresTool } from './pgbench.ts';

// The anchor (bench/anchor/README.md): the FastAPI + SQLAlchemy design this project replaces, run
// from its vendored copy on a database of its own in the bench's PostgreSQL, with its own schema
// and data (10,000 offered players of one club, one team each).

export const ANCHOR_DIR = fileURLToPath(new URL('anchor/seed-fastapi', import.meta.url));
const PYTHON = process.env.ANCHOR_PYTHON ?? '/usr/bin/python3';
const PACKAGES = 'python3-fastapi python3-sqlalchemy uvicorn python3-psycopg2';

export type AnchorSetup = { readonly ready: true; readonly psql: string } | { readonly ready: false; readonly reason: string };

const importsWork = () =>
  spawnSync(PYTHON, ['-c', 'import fastapi, sqlalchemy, uvicorn, psycopg2'], { stdio: 'ignore' }).status === 0;

/**
 * Makes sure the anchor can run: its Debian packages (installed with its install.sh, as root, when
 * missing) and psql to load its data. Says why not otherwise, and the bench skips the anchor.
 */
export function prepareAnchor(log: (line: string) => void): AnchorSetup {
  const psql = findPostgresTool('psql');
  if (psql === null) return { ready: false, reason: 'psql was not found (install postgresql-client, or set PSQL_PATH)' };
  if (importsWork()) return { ready: true, psql };
  if (os.userInfo().uid !== 0) {
    return {
      ready: false,
      reason: `${PYTHON} lacks the anchor's Debian packages (${PACKAGES}); run bench/anchor/seed-fastapi/install.sh as root`,
    };
  }
  log(`installing the anchor's Debian packages (apt-get update, then bench/anchor/seed-fastapi/install.sh)…`);
  const apt = (command: string, args: string[]) => spawnSync(command, args, { stdio: ['ignore', 2, 2] }).status === 0;
  if (!apt('apt-get', ['update']) || !apt('bash', [path.join(ANCHOR_DIR, 'install.sh')]) || !importsWork()) {
    return { ready: false, reason: `apt-get could not install ${PACKAGES} (its output is above)` };
  }
  return { ready: true, psql };
}

export interface AnchorDatabase {
  readonly url: string;
  readonly tenantId: number;
  readonly firstPlayerId: number;
  readonly players: number;
}

/** The anchor's own database and login role, its schema.sql, and its bench/seed.sql. */
export async function createAnchorDatabase(superuserUrl: string, psql: string): Promise<AnchorDatabase> {
  const target = { role: 'anchor', password: randomBytes(12).toString('hex'), database: 'anchor' };
  await ensureAppDatabase(superuserUrl, target);
  const url = appDatabaseUrl(superuserUrl, target);
  for (const file of ['schema.sql', 'bench/seed.sql']) {
    execFileSync(psql, ['--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '--file', path.join(ANCHOR_DIR, file), url], {
      stdio: ['ignore', 'ignore', 'inherit'],
      // seed.sql's VACUUM warns of every shared catalog the anchor's role may not vacuum.
      env: { ...process.env, PGOPTIONS: '-c client_min_messages=error' },
    });
  }
  const [tenantId, first, last] = execFileSync(
    psql,
    [
      '--no-psqlrc',
      '--tuples-only',
      '--no-align',
      '--field-separator= ',
      '--command',
      "SELECT tenants.id, min(players.id), max(players.id) FROM tenants JOIN players ON players.tenant_id = tenants.id WHERE tenants.slug = 'bench' GROUP BY tenants.id",
      url,
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split(' ')
    .map(Number) as [number, number, number];
  return { url, tenantId, firstPlayerId: first, players: last - first + 1 };
}

/** uvicorn serving the anchor as its run.sh starts it (one worker, access log off). */
export function startAnchor(database: AnchorDatabase, port: number, adminToken: string): ChildProcess {
  return spawn('bash', [path.join(ANCHOR_DIR, 'run.sh')], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      PORT: String(port),
      ANCHOR_ADMIN_TOKEN: adminToken,
      ANCHOR_TENANT: 'bench',
      ANCHOR_PYTHON: PYTHON,
      ANCHOR_SKIP_SCHEMA: '1', // createAnchorDatabase applied it
      PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in the repository
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function stopAnchor(anchor: ChildProcess): Promise<void> {
  if (anchor.exitCode !== null) return;
  anchor.kill('SIGTERM');
  await once(anchor, 'exit');
}
