import { createPool, sql } from 'slonik';

export interface AppDatabase {
  readonly role: string;
  readonly password: string;
  readonly database: string;
}

/**
 * Makes sure `database` exists and is owned by a login role that is not a superuser: migrations run
 * as the database's owner (docs/PRODUCT.md, "Database"), so a cluster we start ourselves is set up
 * the way a deployment would be. DDL takes no bind parameters, hence the quoted literals.
 */
export async function ensureAppDatabase(superuserUrl: string, target: AppDatabase): Promise<void> {
  const pool = await createPool(superuserUrl, { maximumPoolSize: 1 });
  try {
    const role = sql.identifier([target.role]);
    const roleExists = await pool.exists(sql.unsafe`SELECT 1 FROM pg_roles WHERE rolname = ${target.role}`);
    await pool.query(
      roleExists
        ? sql.unsafe`ALTER ROLE ${role} LOGIN PASSWORD ${sql.literalValue(target.password)}`
        : sql.unsafe`CREATE ROLE ${role} LOGIN PASSWORD ${sql.literalValue(target.password)}`,
    );
    const databaseExists = await pool.exists(sql.unsafe`SELECT 1 FROM pg_database WHERE datname = ${target.database}`);
    if (!databaseExists) {
      await pool.query(sql.unsafe`CREATE DATABASE ${sql.identifier([target.database])} OWNER ${role} ENCODING 'UTF8'`);
    }
  } finally {
    await pool.end();
  }
}

/** The URL of `target` on the same server as `serverUrl`. */
export function appDatabaseUrl(serverUrl: string, target: AppDatabase): string {
  const url = new URL(serverUrl);
  url.username = target.role;
  url.password = target.password;
  url.pathname = `/${target.database}`;
  return url.toString();
}
