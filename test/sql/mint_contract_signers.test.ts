import test from 'ava';
import { sql } from 'slonik';
import { offerContract } from '../../src/contracts/store.ts';
import {
  type Club,
  addGuardians,
  createClub,
  createPlayer,
  putContractInState,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/mint_contract_signers: who signs is fixed by the offer (docs/PRODUCT.md, "Who signs").

const db = useDatabase();

const guardians = [
  { name: 'Dana Park', email: 'dana@example.test' },
  { name: 'Sam Park', email: 'sam@example.test' },
];

async function playerBorn(club: Club, birthDate: string | null): Promise<number> {
  const playerId = await createPlayer(db().pool, club, { email: 'player@example.test' });
  await db().pool.query(sql.unsafe`UPDATE players SET birth_date = ${birthDate}::date WHERE tenant_id = ${club.id} AND id = ${playerId}`);
  await addGuardians(db().pool, club, playerId, guardians);
  return playerId;
}

const yearsAgo = (years: number, days = 0) => {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() - years);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
};

test('a player of adult_age on the offer’s day signs alone, at the player’s e-mail, through the player’s link', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await playerBorn(club, yearsAgo(18));

  const token = await putContractInState(db().pool, club, playerId, 'offered');

  t.like(await readSigners(db().pool, club, playerId), [
    { position: 1, role: 'player', name: 'Jacelyn Park', email: 'player@example.test', token, completes: true, status: 'pending' },
  ]);
  t.is((await readSigners(db().pool, club, playerId)).length, 1);
});

test('a minor’s listed guardians sign, in list order, each with a link of their own; the first holds the player’s link', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await playerBorn(club, yearsAgo(18, 1));

  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const [first, second, ...rest] = await readSigners(db().pool, club, playerId);
  t.deepEqual(rest, []);
  t.like(first, { position: 1, role: 'guardian', name: 'Dana Park', email: 'dana@example.test', token, completes: true });
  t.like(second, { position: 2, role: 'guardian', name: 'Sam Park', email: 'sam@example.test', completes: true });
  t.regex(second?.token ?? '', /^[A-Za-z0-9_-]{43}$/);
  t.not(second?.token, token);
  const route = await db().pool.maybeOne(sql.unsafe`
    SELECT tenant_id, player_id FROM contract_links WHERE token = ${second?.token ?? ''}
  `);
  t.deepEqual(route, { tenant_id: club.id, player_id: playerId }, 'the second link is routed to its player');
});

test('under all_guardians no one guardian’s signature completes the contract; a player of unknown age with guardians is a minor', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await playerBorn(club, null);

  await putContractInState(db().pool, club, playerId, 'offered');

  t.like(await readSigners(db().pool, club, playerId), [
    { role: 'guardian', completes: false },
    { role: 'guardian', completes: false },
  ]);
});

test('a minor with no guardian listed: the player’s e-mail is the one signer, as before signers existed', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);

  const token = await putContractInState(db().pool, club, playerId, 'offered');

  t.like(await readSigners(db().pool, club, playerId), [{ role: 'player', email: 'family@example.test', token, completes: true }]);
});

test('a re-offer replaces every signer: the old links answer as replaced (CTSUP), the new offer has new ones', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await playerBorn(club, null);
  await putContractInState(db().pool, club, playerId, 'offered');
  const before = await readSigners(db().pool, club, playerId);

  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  const after = await readSigners(db().pool, club, playerId);
  t.is(after.length, 2);
  for (const old of before) {
    t.false(after.some((signer) => signer.token === old.token));
    t.is(await sqlstateOf(db().pool.query(sql.unsafe`SELECT lock_offered_contract(${old.token})`)), 'CTSUP');
  }
});

test('a guardian list changed while the offer is open leaves its signers as they are', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await playerBorn(club, null);
  await putContractInState(db().pool, club, playerId, 'offered');
  const before = await readSigners(db().pool, club, playerId);

  await db().pool.query(sql.unsafe`DELETE FROM guardians WHERE tenant_id = ${club.id} AND player_id = ${playerId}`);

  t.deepEqual(await readSigners(db().pool, club, playerId), before);
});
