import { createHash } from 'node:crypto';
import test from 'ava';
import { createContractTerms, listContractTerms } from '../../src/terms/store.ts';
import { createClub } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/create_contract_terms: a club's versions of its terms, numbered 1, 2, …

const db = useDatabase();
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

test('versions are numbered per club from 1, each with the sha256 of its exact text', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const body = '# Terms\n\nThe fee is due on the **1st** — «ünïcode» included.\n';

  const first = await createContractTerms(db().pool, club.id, { title: 'Season 2026–27', body, actor: 'a' });
  const second = await createContractTerms(db().pool, club.id, { title: 'Season 2026–27, amended', body: `${body}More.\n`, actor: 'a' });
  const theirs = await createContractTerms(db().pool, other.id, { title: 'Theirs', body, actor: 'b' });

  t.like(first, { version: 1, title: 'Season 2026–27', sha256: sha256(body) });
  t.like(second, { version: 2, sha256: sha256(`${body}More.\n`) });
  t.like(theirs, { version: 1 });
  t.deepEqual(
    (await listContractTerms(db().pool, club.id)).map((terms) => terms.version),
    [2, 1],
  );
});

test('two versions published at once get 1 and 2, never the same number', async (t) => {
  const club = await createClub(db().pool);
  const created = await Promise.all(
    ['A', 'B', 'C'].map((title) => createContractTerms(db().pool, club.id, { title, body: `Terms ${title}`, actor: 'a' })),
  );
  t.deepEqual(created.map((terms) => terms.version).sort(), [1, 2, 3]);
});
