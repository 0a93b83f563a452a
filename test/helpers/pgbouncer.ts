import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../tools/free-port.ts';

/** Debian's PgBouncer (`apt-get install pgbouncer`; .ci/run and test/run.ts as root install it). */
export const PGBOUNCER = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** The database to pool, with the role and password clients log in with (PgBouncer logs in as them too). */
  readonly databaseUrl: string;
  /** Server connections per database and role: the budget every client shares. */
  readonly poolSize: number;
  /** Run on every new server connection: the session settings clients cannot send through PgBouncer. */
  readonly connectQuery: string;
}

export interface PgBouncer {
  /** `databaseUrl`, through PgBouncer. */
  readonly url: string;
  /** The pgbouncer.ini it runs with. */
  readonly ini: string;
  stop(): Promise<void>;
}

/**
 * A PgBouncer of its own in transaction pooling mode, on a free loopback port, configured the way
 * docs/SCALING.md recommends. As root it drops to `nobody` (PgBouncer refuses to run as root).
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER)) {
    throw new Error(`PgBouncer is not at ${PGBOUNCER}: run scripts/install-pgbouncer.sh (npm test does as root) or set PGBOUNCER_PATH.`);
  }
  const target = new URL(options.databaseUrl);
  const database = decodeURIComponent(target.pathname.slice(1));
  const role = decodeURIComponent(target.username);
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-pgbouncer-'));
  const ini = [
    '[databases]',
    `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database} connect_query=${quoted(options.connectQuery)}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${path.join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.poolSize}`,
    'reserve_pool_size = 0',
    'max_client_conn = 500',
    // pg sends these as start-up parameters; PgBouncer would refuse the login. connect_query sets
    // them on the server connections instead.
    'ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout',
    // A request must fail within 10 s when PostgreSQL is gone (docs/PRODUCT.md, "Database"), also
    // while queued here.
    'query_wait_timeout = 5',
    'server_connect_timeout = 4',
    // Back within seconds once PostgreSQL returns (the default waits 15 s between login attempts).
    'server_login_retry = 3',
    'idle_transaction_timeout = 60',
    'log_connections = 0',
    'log_disconnections = 0',
    '',
  ].join('\n');
  // PgBouncer reads plain-text passwords here and answers SCRAM for them on both sides.
  const userlist = `${quotedUser(role)} ${quotedUser(decodeURIComponent(target.password))}\n`;
  const iniFile = path.join(dir, 'pgbouncer.ini');
  await fs.writeFile(iniFile, ini, { mode: 0o600 });
  await fs.writeFile(path.join(dir, 'userlist.txt'), userlist, { mode: 0o600 });

  const asRoot = os.userInfo().uid === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    for (const file of [dir, iniFile, path.join(dir, 'userlist.txt')]) await fs.chown(file, uid, gid);
  }
  const child = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'nobody'] : []), iniFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk) => {
    log += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    await terminate(child, exited);
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await listening(port, exited, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = new URL(options.databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), ini, stop };
}

async function listening(port: number, exited: Promise<void>, log: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`PgBouncer exited on start-up:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`PgBouncer did not listen on ${port} within 10 s:\n${log()}`);
}

/** SIGTERM is PgBouncer's immediate shutdown; SIGKILL if it has not gone within 5 s. */
async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/** A value in a [databases] entry; kept free of quotes rather than trusting an escaping rule. */
function quoted(value: string): string {
  if (value.includes("'")) throw new Error('connect_query must not contain single quotes');
  return `'${value}'`;
}

function quotedUser(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
