import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Migration } from 'node-pg-migrate';
import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { ConfigError, type Config, parseConfig } from './config.ts';
import { MIGRATIONS_DIR, migrate } from './db/migrate.ts';
import { type OpenDatabase, openDatabase } from './db/open-database.ts';
import { createDatabasePool } from './db/pool.ts';
import { loadOrCreateLocalSigningKey } from './identity/local-signing-key.ts';
import { mintAdminToken } from './identity/mint-admin-token.ts';
import { EMAIL } from './identity/verify-admin-token.ts';
import { type ChainVerdict, UnknownClubError, clubsToVerify, verifyClubChain } from './contracts/audit-chain.ts';
import { TENANT_SLUG, createTenant, findTenantId } from './club/store.ts';
import { loadReceiptSealer } from './receipts/seal.ts';
import { verifyReceiptFile } from './receipts/verify.ts';
import { oneLine } from './mail/messages.ts';

const USAGE = `Usage: club-contracts <command>

  tenant create <slug> <name>     add a club (slug: lower-case letters, digits, dashes)
  token <tenant-slug> [--email <address>] [--ttl <seconds>]
                                  mint a local admin token for an existing club (prints only the
                                  token); --ttl defaults to 3600, at most OIDC_MAX_TOKEN_LIFETIME_SECONDS
  migrate up [<count>]            apply pending migrations
  migrate down [<count>] [--lose-data]
                                  revert the newest migration (or <count> of them); refused before
                                  reverting any if one would lose data (unless --lose-data) or
                                  cannot run on the data there is (docs/OPERATING.md, "Reverting migrations")
  migrate create <name>           add a migration file to migrations/
  audit verify [<tenant-slug>]    recompute the audit log's hash chain of one club (or of every
                                  club): exit 0 if intact, 1 naming the first row that does not match
  receipt verify <file.pdf>       check a receipt PDF: its seal and certificate (RECEIPT_SIGNING_P12,
                                  or DATA_DIR's own), that its SHA-256 is recorded in a club's audit
                                  chain, and that chain; prints the contract, club and signatures;
                                  exit 0 valid, 1 naming the check that failed

The database is DATABASE_URL, else the embedded PostgreSQL under DATA_DIR (started if needed);
migrations run through DATABASE_MIGRATION_URL when it is set. The developers' commands (the chart,
db sync, db schema) are tools/cli.ts's.`;

class UsageError extends Error {}

const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** A request the CLI understood but cannot carry out as asked: one line, exit 2. */
class InputError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      ttl: { type: 'string' },
      'lose-data': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const config = parseConfig(process.env);
  switch (command) {
    case 'tenant':
      return tenantCommand(config, rest);
    case 'token':
      return tokenCommand(config, rest, values);
    case 'migrate':
      return migrateCommand(config, rest, values['lose-data'] === true);
    case 'audit':
      return auditCommand(config, rest);
    case 'receipt':
      return receiptCommand(config, rest);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function tenantCommand(config: Config, [action, slug, name, ...extra]: string[]): Promise<void> {
  if (action !== 'create' || slug === undefined || name === undefined || extra.length > 0) {
    throw new UsageError('expected: tenant create <slug> <name>');
  }
  if (!TENANT_SLUG.test(slug)) {
    throw new UsageError('a slug is 1-63 lower-case letters, digits and dashes, not starting or ending with a dash');
  }
  await withDatabase(config, async (database) => {
    await migrate(database.migrationUrl, { direction: 'up', log: () => {} });
    const pool = await createDatabasePool(database.url, { maximumPoolSize: 1 });
    try {
      console.log(JSON.stringify(await createTenant(pool, slug, name)));
    } catch (error) {
      if (error instanceof UniqueIntegrityConstraintViolationError) {
        throw new UsageError(`a club with the slug "${slug}" already exists`);
      }
      throw error;
    } finally {
      await pool.end();
    }
  });
}

async function tokenCommand(
  config: Config,
  [slug, ...extra]: string[],
  options: { email?: string | undefined; ttl?: string | undefined },
): Promise<void> {
  if (slug === undefined || extra.length > 0) throw new UsageError('expected: token <tenant-slug>');
  const { identity } = config;
  if (identity.mode !== 'local') {
    throw new UsageError(`OIDC_ISSUER is set: admin tokens come from ${identity.issuer}`);
  }
  // The service refuses a token whose email claim is not an address, so none is minted. The value
  // is not echoed: its control characters could drive the operator's terminal.
  if (options.email !== undefined && options.email !== '' && !EMAIL.test(options.email)) {
    throw new UsageError('--email takes an address of at most 320 characters, without control characters');
  }
  // The service refuses a token that lasts longer than this, so none is minted.
  const longest = identity.maxTokenLifetimeSeconds;
  // Plain digits only: Number() also reads 0x10, 1e3, +5 and " 5", so a typo or a pasted value
  // would mint a token of a lifetime nobody wrote.
  if (options.ttl !== undefined && !/^[0-9]+$/.test(options.ttl)) {
    throw new UsageError('--ttl takes a number of seconds, in decimal digits only');
  }
  const ttlSeconds = Number(options.ttl ?? Math.min(DEFAULT_TOKEN_TTL_SECONDS, longest));
  if (ttlSeconds < 1) throw new UsageError('--ttl takes a number of seconds');
  if (ttlSeconds > longest) {
    throw new InputError(
      `--ttl is at most ${longest} seconds: the service refuses longer-lived tokens (OIDC_MAX_TOKEN_LIFETIME_SECONDS)`,
    );
  }
  // A token for a club that does not exist would only ever be answered 403; say so now instead.
  const exists =
    TENANT_SLUG.test(slug) &&
    (await withDatabase(config, async (database) => {
      const pool = await createDatabasePool(database.url, { maximumPoolSize: 1 });
      try {
        return (await findTenantId(pool, slug)) !== null;
      } finally {
        await pool.end();
      }
    }));
  if (!exists) throw new InputError(`no club has the slug "${slug}": add it first with "tenant create ${slug} <name>"`);
  const key = await loadOrCreateLocalSigningKey(identity.keyFile);
  console.log(await mintAdminToken(identity, key, { tenantSlug: slug, email: options.email ?? null, ttlSeconds }));
}

async function migrateCommand(config: Config, [direction, argument, ...extra]: string[], loseData: boolean): Promise<void> {
  if (extra.length > 0) throw new UsageError('expected: migrate up|down [<count>] or migrate create <name>');
  if (loseData && direction !== 'down') throw new UsageError('--lose-data goes with migrate down only');
  if (direction === 'create') {
    if (argument === undefined || !/^[a-z0-9-]+$/.test(argument)) {
      throw new UsageError('expected: migrate create <name> (lower-case words joined by dashes)');
    }
    console.log(await Migration.create(argument, MIGRATIONS_DIR, { filenameFormat: 'index', language: 'ts' }));
    return;
  }
  if (direction !== 'up' && direction !== 'down') throw new UsageError('expected: migrate up|down|create');
  const count = argument === undefined ? (direction === 'up' ? Number.POSITIVE_INFINITY : 1) : Number(argument);
  if (!(count === Number.POSITIVE_INFINITY || (Number.isInteger(count) && count > 0))) {
    throw new UsageError('<count> must be a positive whole number');
  }
  await withDatabase(config, async (database) => {
    // A migration giving way to live traffic says so, as the deploy may take longer for it.
    const ran = await migrate(database.migrationUrl, {
      direction,
      count,
      loseData,
      log: () => {},
      warn: (line) => console.error(line),
    });
    console.log(ran.length === 0 ? 'nothing to do' : ran.map((name) => `${direction}: ${name}`).join('\n'));
  });
}

/** The newest checkpoint, the value to publish, and the rows the next seal takes. */
function sealing({ checkpoint, unsealed }: Extract<ChainVerdict, { intact: true }>): string {
  const rows = `${checkpoint === null ? '' : 'newer '}${unsealed === 1 ? 'row' : 'rows'}`;
  const newer = unsealed === 0 ? '' : `${unsealed} ${rows} not yet sealed`;
  if (checkpoint === null) return newer === '' ? '' : `; ${newer}`;
  return `; checkpoint ${checkpoint.sealId} ${checkpoint.hash}${newer === '' ? '' : `, ${newer}`}`;
}

/** docs/DESIGN.md, "Tamper evidence". One line per club; exit 1 if any club's chain is broken. */
async function auditCommand(config: Config, [action, slug, ...extra]: string[]): Promise<void> {
  if (action !== 'verify' || extra.length > 0) throw new UsageError('expected: audit verify [<tenant-slug>]');
  await withDatabase(config, async (database) => {
    const pool = await createDatabasePool(database.url, { maximumPoolSize: 1 });
    try {
      const clubs = await clubsToVerify(pool, slug).catch((error: unknown) => {
        throw error instanceof UnknownClubError ? new InputError(error.message) : error;
      });
      for (const club of clubs) {
        const verdict = await verifyClubChain(pool, club);
        if (verdict.intact) {
          const removed = verdict.removed === 0 ? '' : ` (and ${verdict.removed} removed with their player)`;
          console.log(`${club.slug}: ${verdict.rows} rows, chain intact${removed}${sealing(verdict)}`);
        } else {
          const player =
            verdict.playerId !== null
              ? ` (player ${verdict.playerId})`
              : verdict.removedWithPlayer
                ? ' (removed with its player)'
                : '';
          console.log(`${club.slug}: row ${verdict.rowId}${player} ${verdict.problem}`);
          process.exitCode = 1;
        }
      }
    } finally {
      await pool.end();
    }
  });
}

/** docs/RECEIPTS.md, "Verifying a receipt". */
async function receiptCommand(config: Config, [action, file, ...extra]: string[]): Promise<void> {
  if (action !== 'verify' || file === undefined || extra.length > 0) throw new UsageError('expected: receipt verify <file.pdf>');
  const pdf = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  const { certificate } = loadReceiptSealer(config.receipts);
  await withDatabase(config, async (database) => {
    const pool = await createDatabasePool(database.url, { maximumPoolSize: 1 });
    try {
      const verdict = await verifyReceiptFile(pool, pdf, certificate);
      if (!verdict.valid) {
        console.log(`not valid (${verdict.check}): ${verdict.problem}`);
        process.exitCode = 1;
        return;
      }
      const { receipt } = verdict;
      console.log(
        [
          `valid: the receipt of ${receipt.playerName}'s contract (player ${receipt.playerId}) with ${receipt.clubName} (${receipt.clubSlug})`,
          `sha256 ${verdict.sha256}, recorded in audit row ${receipt.auditId} after the sign row ${receipt.signAuditId}`,
          `sealed by ${verdict.certificateSubject}; ${receipt.clubSlug}'s audit chain intact (${verdict.chain.rows} rows)`,
          ...verdict.signatures.map(
            (signature) =>
              `signed by ${signature.signedBy}${signature.role === null ? '' : ` (${signature.role})`} at ${signature.signedAt.toISOString()}`,
          ),
        ]
          .map((line) => oneLine(line))
          .join('\n'),
      );
    } finally {
      await pool.end();
    }
  });
}

async function withDatabase<T>(config: Config, work: (database: OpenDatabase) => Promise<T>): Promise<T> {
  const database = await openDatabase(config, () => {});
  try {
    return await work(database);
  } finally {
    await database.stop();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof InputError) {
    console.error(`club-contracts: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(`club-contracts: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`club-contracts: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
