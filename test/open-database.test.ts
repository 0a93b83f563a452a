import test from 'ava';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/open-database.ts';

// src/db/open-database.ts with DATABASE_URL: what the start-up log's `listening` line says of it.

test('the operator’s database is described by host, port and name, each once, and never with its password', async (t) => {
  const config = parseConfig({ DATABASE_URL: 'postgres://club:s3cret@db.example.org:6543/clubs' });

  const database = await openDatabase(config, () => {});

  t.is(database.description, 'postgres://db.example.org:6543/clubs');
});

test('a URL without a port is described with PostgreSQL’s own, 5432', async (t) => {
  const database = await openDatabase(parseConfig({ DATABASE_URL: 'postgres://club@[::1]/clubs' }), () => {});

  t.is(database.description, 'postgres://[::1]:5432/clubs');
});
