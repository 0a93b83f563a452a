import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

// A fingerprint of everything the service stores, to show that a refused request wrote nothing.

/**
 * Every table of the app's schemas (the audit log included; node-pg-migrate's bookkeeping left
 * out), the way the checksum below reads them. Sequences are not tables: a refused insert may
 * still have drawn an id, which stores nothing.
 */
const tables = sql.fragment`
  SELECT table_schema, table_name
  FROM information_schema.tables
  WHERE table_type = 'BASE TABLE'
    AND table_schema NOT IN ('pg_catalog', 'information_schema')
    AND table_name <> 'pgmigrations'
`;

export async function checksummedTables(db: CommonQueryMethods): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT table_schema || '.' || table_name AS name FROM (${tables}) AS t ORDER BY 1
  `);
}

/**
 * md5 over every row of every table, rows in a fixed order, computed in the database in one
 * round trip (query_to_xml runs the per-table query that SQL cannot build statically).
 */
export async function databaseChecksum(db: CommonQueryMethods): Promise<string> {
  return db.oneFirst(sql.type(z.object({ checksum: z.string() }))`
    SELECT md5(string_agg(
      table_schema || '.' || table_name || '=' || query_to_xml(
        format(
          'SELECT md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) AS h FROM %I.%I AS r',
          E'\n', '', table_schema, table_name
        ),
        false, true, ''
      )::text,
      E'\n' ORDER BY table_schema, table_name
    )) AS checksum
    FROM (${tables}) AS t
  `);
}
