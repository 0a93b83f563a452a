import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContracts } from '../../src/contracts/bulk-offers.ts';
import { createClub, createPlayer, putContractInState, readMessages, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/offer_contracts: many OFFERs in one call, each in a subtransaction of its own.

const db = useDatabase();

test('a refused row rolls back alone and answers its SQLSTATE; the others are offered with their e-mail', async (t) => {
  const club = await createClub(db().pool);
  const [fresh, open] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  await putContractInState(db().pool, club, open, 'offered');
  const before = await readPlayer(db().pool, club, open);

  const { results } = await offerContracts(
    db().pool,
    {
      tenantId: club.id,
      offers: [
        { player_id: open, monthly_fee: 1, target_team_id: null },
        { player_id: fresh, monthly_fee: 2, target_team_id: null },
      ],
      force: false,
      actor: 'a',
    },
    null,
  );

  t.like(results, [
    { player_id: open, sqlstate: 'OFFEX' },
    { player_id: fresh, outcome: { new_status: 'offered', monthly_fee: 2 } },
  ]);
  t.deepEqual(await readPlayer(db().pool, club, open), before);
  t.like(await readMessages(db().pool, club, fresh), [{ kind: 'offer', status: 'queued' }]);
});

test('an error that is no refusal fails the whole call, and nothing is written', async (t) => {
  const club = await createClub(db().pool);
  const [first, second] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];

  // The service's machine takes OFFER from no state at all: the two machines differ (CTSKW, a 503).
  const state = await sqlstateOf(
    db().pool.query(sql.unsafe`
      SELECT * FROM offer_contracts(${club.id}, ${sql.jsonb([
        { player_id: first, monthly_fee: 1, target_team_id: null, allowed_from: ['none'] },
        { player_id: second, monthly_fee: 1, target_team_id: null, allowed_from: [] },
      ])}, false, 'a', 'admin_api')
    `),
  );

  t.is(state, 'CTSKW');
  const offered = await db().pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::integer AS count FROM players WHERE tenant_id = ${club.id} AND contract_status <> 'none'
  `);
  t.is(offered, 0);
});
