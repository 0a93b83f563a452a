import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/store/contracts.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';

// sql/offer_contract: what the function guarantees on its own, whoever calls it.

const database = useDatabase();

test('each refusal raises its own SQLSTATE', async (t) => {
  const club = await createClub(database().pool);
  const team = await createTeam(database().pool, club);
  const offered = await createPlayer(database().pool, club, { teamIds: [team] });
  await putContractInState(database().pool, club, offered, 'offered');
  const signed = await createPlayer(database().pool, club, { teamIds: [team] });
  await putContractInState(database().pool, club, signed, 'signed');
  const fresh = await createPlayer(database().pool, club);
  const call = (playerId: number, targetTeamId: number | null = null) =>
    offerContract(database().pool, { tenantId: club.id, playerId, monthlyFee: 100, targetTeamId, force: false, actor: 'a' });

  t.is(await sqlstateOf(call(2_000_000_000)), 'UNKPL');
  t.is(await sqlstateOf(call(offered)), 'OFFEX');
  t.is(await sqlstateOf(call(signed)), 'TMCHG');
  t.is(await sqlstateOf(call(fresh, 2_000_000_000)), 'UNKTM');
});

test('a player of another tenant is not found, even by id', async (t) => {
  const [mine, theirs] = [await createClub(database().pool), await createClub(database().pool)];
  const playerId = await createPlayer(database().pool, theirs);

  const state = await sqlstateOf(
    offerContract(database().pool, { tenantId: mine.id, playerId, monthlyFee: 100, targetTeamId: null, force: false, actor: 'a' }),
  );

  t.is(state, 'UNKPL');
  t.is((await readPlayer(database().pool, theirs, playerId)).contract_status, 'none');
});

test('a refused tier change writes nothing: no archive, no team move, no token', async (t) => {
  const club = await createClub(database().pool);
  const team = await createTeam(database().pool, club);
  const playerId = await createPlayer(database().pool, club, { teamIds: [team] });
  await putContractInState(database().pool, club, playerId, 'signed');
  const before = await readPlayer(database().pool, club, playerId);

  const state = await sqlstateOf(
    offerContract(database().pool, {
      tenantId: club.id,
      playerId,
      monthlyFee: 100,
      targetTeamId: 2_000_000_000,
      force: false,
      actor: 'a',
    }),
  );

  t.is(state, 'UNKTM');
  t.deepEqual(await readPlayer(database().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(database().pool, club, playerId), []);
});

test('tokens are 32 random bytes in base64url: 43 characters, all different', async (t) => {
  const club = await createClub(database().pool);
  const tokens = new Set<string>();
  for (let i = 0; i < 20; i += 1) {
    const playerId = await createPlayer(database().pool, club);
    const { contract_token: token } = await offerContract(database().pool, {
      tenantId: club.id,
      playerId,
      monthlyFee: 100,
      targetTeamId: null,
      force: false,
      actor: 'a',
    });
    t.regex(token, /^[A-Za-z0-9_-]{43}$/);
    t.is(Buffer.from(token, 'base64url').length, 32);
    tokens.add(token);
  }
  t.is(tokens.size, 20);
});

test('new_state records the teams the player ended in, not the request', async (t) => {
  const club = await createClub(database().pool);
  const [gold, silver] = [await createTeam(database().pool, club), await createTeam(database().pool, club)];
  const playerId = await createPlayer(database().pool, club, { teamIds: [gold, silver] });
  await putContractInState(database().pool, club, playerId, 'offered');

  await offerContract(database().pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 100,
    targetTeamId: silver, // already one of the player's teams: no move
    force: true,
    actor: 'a',
  });

  const [row] = await readAuditLog(database().pool, club, playerId);
  t.deepEqual(row?.new_state.team_ids, [gold, silver]);
  t.deepEqual((await readPlayer(database().pool, club, playerId)).team_ids, [gold, silver]);
});

test('the audit row carries the actor and the source', async (t) => {
  const club = await createClub(database().pool);
  const playerId = await createPlayer(database().pool, club);
  await putContractInState(database().pool, club, playerId, 'offered');

  const result = await offerContract(database().pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 100,
    targetTeamId: null,
    force: true,
    actor: 'registrar@example.test',
  });

  const row = await database().pool.one(sql.type(z.object({ actor: z.string(), source: z.string() }))`
    SELECT actor, source FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${result.audit_id}
  `);
  t.deepEqual(row, { actor: 'registrar@example.test', source: 'admin_api' });
});
