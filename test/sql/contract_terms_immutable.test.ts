import test from 'ava';
import { sql } from 'slonik';
import { createContractTerms } from '../../src/terms/store.ts';
import { createClub } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/contract_terms_immutable: a version of the terms, once published, never changes or goes away.

const db = useDatabase();

test('UPDATE, DELETE and TRUNCATE of contract terms are refused (TRMRO)', async (t) => {
  const club = await createClub(db().pool);
  await createContractTerms(db().pool, club.id, { title: 'Terms', body: 'Text', actor: 'a' });

  t.is(await sqlstateOf(db().pool.query(sql.unsafe`UPDATE contract_terms SET body = 'Other' WHERE tenant_id = ${club.id}`)), 'TRMRO');
  t.is(await sqlstateOf(db().pool.query(sql.unsafe`DELETE FROM contract_terms WHERE tenant_id = ${club.id}`)), 'TRMRO');
  t.is(await sqlstateOf(db().pool.query(sql.unsafe`TRUNCATE contract_terms CASCADE`)), 'TRMRO');
  t.is(await db().pool.oneFirst(sql.unsafe`SELECT body FROM contract_terms WHERE tenant_id = ${club.id}`), 'Text');
});

test('a club’s terms leave with the club', async (t) => {
  const club = await createClub(db().pool);
  await createContractTerms(db().pool, club.id, { title: 'Terms', body: 'Text', actor: 'a' });

  await db().pool.query(sql.unsafe`DELETE FROM tenants WHERE id = ${club.id}`);

  t.is(await db().pool.oneFirst(sql.unsafe`SELECT count(*)::integer FROM contract_terms WHERE tenant_id = ${club.id}`), 0);
});
