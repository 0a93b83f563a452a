import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/contracts/store.ts';
import { createClub, createPlayer, putContractInState, randomToken } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/route_contract_token: the trigger that puts every token minted into contract_links, the
// family link → club routing index.

const db = useDatabase();

const routedTo = (tokens: readonly string[]) =>
  db().pool.any(sql.type(z.object({ token: z.string(), tenant_id: z.number() }))`
    SELECT token, tenant_id FROM contract_links WHERE token = ANY (${sql.array(tokens, 'text')}) ORDER BY token COLLATE "C"
  `);

test('every token an offer mints is routed to its club, and stays routed once replaced', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const offer = { tenantId: club.id, playerId, monthlyFee: 100, targetTeamId: null, force: true, actor: 'a' };

  const first = await offerContract(db().pool, offer);
  const second = await offerContract(db().pool, offer);

  const tokens = [first.contract_token, second.contract_token].sort();
  t.deepEqual(
    await routedTo(tokens),
    tokens.map((token) => ({ token, tenant_id: club.id })),
  );
});

test('a token written by hand is routed too', async (t) => {
  const club = await createClub(db().pool);
  const token = await putContractInState(db().pool, club, await createPlayer(db().pool, club), 'signed');
  t.deepEqual(await routedTo([token]), [{ token, tenant_id: club.id }]);
});

test("a token routed to one club cannot be given to another club's player, which stays as it was", async (t) => {
  const clubA = await createClub(db().pool);
  const clubB = await createClub(db().pool);
  const token = await putContractInState(db().pool, clubA, await createPlayer(db().pool, clubA), 'offered');
  const playerB = await createPlayer(db().pool, clubB);

  // override_contract is the one writer that may set a token of its choosing (sql/players_contract_rules).
  const reuse = db().pool.query(sql.unsafe`
    SELECT override_contract(
      ${clubB.id}, ${playerB},
      ${sql.jsonb({ contract_status: 'offered', contract_token: token, monthly_fee: 100, contract_offered_at: new Date().toISOString() })},
      'reuse another club''s link', 'operator@example.test'
    )
  `);

  t.is(await sqlstateOf(reuse), '23505');
  t.deepEqual(await routedTo([token]), [{ token, tenant_id: clubA.id }]);
  const playerBToken = await db().pool.oneFirst(sql.type(z.object({ contract_token: z.string().nullable() }))`
    SELECT contract_token FROM players WHERE tenant_id = ${clubB.id} AND id = ${playerB}
  `);
  t.is(playerBToken, null);
});

test('a player with no contract has nothing routed', async (t) => {
  const club = await createClub(db().pool);
  await createPlayer(db().pool, club);
  const routed = await db().pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM contract_links WHERE tenant_id = ${club.id}
  `);
  t.is(routed, 0n);
  t.deepEqual(await routedTo([randomToken()]), []);
});
