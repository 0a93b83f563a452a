import test from 'ava';
import { sql } from 'slonik';
import { offerContract } from '../../src/contracts/store.ts';
import { createClub, createPlayer, putContractInState, randomToken } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/lock_offered_contract: what a family link opens, or why it opens nothing.

const db = useDatabase();
const lock = (token: string) => db().pool.query(sql.unsafe`SELECT id FROM lock_offered_contract(${token})`);

test('an open offer is returned', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  const { rows } = await lock(token);
  t.deepEqual(rows, [{ id: playerId }]);
});

test('a signed or declined contract is returned too: contract_transition judges what its state takes', async (t) => {
  const club = await createClub(db().pool);
  const signedPlayer = await createPlayer(db().pool, club);
  const signed = await putContractInState(db().pool, club, signedPlayer, 'signed');
  const declinedPlayer = await createPlayer(db().pool, club);
  const declined = await putContractInState(db().pool, club, declinedPlayer, 'declined');

  t.deepEqual((await lock(signed)).rows, [{ id: signedPlayer }]);
  t.deepEqual((await lock(declined)).rows, [{ id: declinedPlayer }]);
});

test('an unknown link and a replaced one each have their own SQLSTATE', async (t) => {
  const club = await createClub(db().pool);
  const replacedPlayer = await createPlayer(db().pool, club);
  const replaced = await putContractInState(db().pool, club, replacedPlayer, 'offered');
  await offerContract(db().pool, {
    tenantId: club.id,
    playerId: replacedPlayer,
    monthlyFee: 100,
    targetTeamId: null,
    force: true,
    actor: 'a',
  });

  t.is(await sqlstateOf(lock(randomToken())), 'UNKCT');
  t.is(await sqlstateOf(lock(replaced)), 'CTSUP');
});
