import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/contracts/store.ts';
import { idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';

// sql/offer_contract_with_signers: what the function guarantees on its own, whoever calls it.

const db = useDatabase();
/** No help from the service's machine: the function's own rules must refuse. */
const EVERY_STATE = ['none', 'offered', 'declined', 'signed'] as const;

test('each refusal raises its own SQLSTATE', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);
  const offered = await createPlayer(db().pool, club, { teamIds: [team] });
  await putContractInState(db().pool, club, offered, 'offered');
  const signed = await createPlayer(db().pool, club, { teamIds: [team] });
  await putContractInState(db().pool, club, signed, 'signed');
  const fresh = await createPlayer(db().pool, club);
  const call = (playerId: number, targetTeamId: number | null = null) =>
    offerContract(db().pool, {
      tenantId: club.id,
      playerId,
      monthlyFee: 100,
      targetTeamId,
      force: false,
      actor: 'a',
      allowedFrom: EVERY_STATE,
    });

  t.is(await sqlstateOf(call(2_000_000_000)), 'UNKPL');
  t.is(await sqlstateOf(call(offered)), 'OFFEX');
  t.is(await sqlstateOf(call(signed)), 'TMCHG');
  t.is(await sqlstateOf(call(fresh, 2_000_000_000)), 'UNKTM');
});

test('a player of another tenant is not found, even by id', async (t) => {
  const [mine, theirs] = [await createClub(db().pool), await createClub(db().pool)];
  const playerId = await createPlayer(db().pool, theirs);

  const state = await sqlstateOf(
    offerContract(db().pool, { tenantId: mine.id, playerId, monthlyFee: 100, targetTeamId: null, force: false, actor: 'a' }),
  );

  t.is(state, 'UNKPL');
  t.is((await readPlayer(db().pool, theirs, playerId)).contract_status, 'none');
});

test('a refused tier change writes nothing: no archive, no team move, no token', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);
  const playerId = await createPlayer(db().pool, club, { teamIds: [team] });
  await putContractInState(db().pool, club, playerId, 'signed');
  const before = await readPlayer(db().pool, club, playerId);
  const auditBefore = await readAuditLog(db().pool, club, playerId);

  const state = await sqlstateOf(
    offerContract(db().pool, {
      tenantId: club.id,
      playerId,
      monthlyFee: 100,
      targetTeamId: 2_000_000_000,
      force: false,
      actor: 'a',
    }),
  );

  t.is(state, 'UNKTM');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), auditBefore);
});

test('tokens are 32 random bytes in base64url: 43 characters, all different', async (t) => {
  const club = await createClub(db().pool);
  const tokens = new Set<string>();
  for (let i = 0; i < 20; i += 1) {
    const playerId = await createPlayer(db().pool, club);
    const { contract_token: token } = await offerContract(db().pool, {
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
  const club = await createClub(db().pool);
  const [gold, silver] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [gold, silver] });
  await putContractInState(db().pool, club, playerId, 'offered');

  await offerContract(db().pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 100,
    targetTeamId: silver, // already one of the player's teams: no move
    force: true,
    actor: 'a',
  });

  const [row] = await readAuditLog(db().pool, club, playerId);
  t.deepEqual(row?.new_state.team_ids, [gold, silver]);
  t.deepEqual((await readPlayer(db().pool, club, playerId)).team_ids, [gold, silver]);
});

test('the audit row carries the actor and the source', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');

  const result = await offerContract(db().pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 100,
    targetTeamId: null,
    force: true,
    actor: 'registrar@example.test',
  });

  const row = await db().pool.one(sql.type(z.object({ actor: z.string(), source: z.string() }))`
    SELECT actor, source FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${result.audit_id}
  `);
  t.deepEqual(row, { actor: 'registrar@example.test', source: 'admin_api' });
});

test("a state the caller's machine did not allow is refused with that state's refusal, under the lock", async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const before = await readPlayer(db().pool, club, playerId);
  const offer = { tenantId: club.id, playerId, monthlyFee: 100, targetTeamId: null, force: true, actor: 'a' };

  // The database's rules take a forced OFFER from offered; a caller whose machine does not is obeyed.
  const state = await sqlstateOf(offerContract(db().pool, { ...offer, allowedFrom: ['none', 'declined'] }));

  t.is(state, 'OFFEX');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.like(await offerContract(db().pool, { ...offer, allowedFrom: ['offered'] }), { previous_status: 'offered' });
});

test('a state the database always takes OFFER from but the caller does not: CTSKW, the two rule sets differ', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'declined');
  const before = await readPlayer(db().pool, club, playerId);

  const state = await sqlstateOf(
    offerContract(db().pool, {
      tenantId: club.id,
      playerId,
      monthlyFee: 100,
      targetTeamId: null,
      force: false,
      actor: 'a',
      allowedFrom: ['none'],
    }),
  );

  t.is(state, 'CTSKW');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});

test('a tier change to a team the signed player is already on is refused by the teamChange guard: TMCHG', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);
  const playerId = await createPlayer(db().pool, club, { teamIds: [team] });
  await putContractInState(db().pool, club, playerId, 'signed');
  const before = await readPlayer(db().pool, club, playerId);
  const auditBefore = await readAuditLog(db().pool, club, playerId);

  const state = await sqlstateOf(
    offerContract(db().pool, {
      tenantId: club.id,
      playerId,
      monthlyFee: 100,
      targetTeamId: team,
      force: true,
      actor: 'a',
      allowedFrom: EVERY_STATE,
    }),
  );

  t.is(state, 'TMCHG');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), auditBefore);
});

test('with an Idempotency-Key the first call offers and stores its outcome; a retry replays it and writes nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const offer = { tenantId: club.id, playerId, monthlyFee: 150, targetTeamId: null, force: true, actor: 'coach@example.test' };
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'offer_contract', { player_id: playerId });

  const first = await offerContract(db().pool, offer, claim);
  const afterFirst = await readPlayer(db().pool, club, playerId);
  const second = await offerContract(db().pool, { ...offer, actor: 'someone-else@example.test' }, claim);

  t.like(first, { replayed: false, previous_status: 'none', new_status: 'offered', actor: 'coach@example.test' });
  t.is(afterFirst.contract_token, first.contract_token);
  t.deepEqual(second, { ...first, replayed: true }, 'the first outcome, its actor included');
  t.deepEqual(await readPlayer(db().pool, club, playerId), afterFirst);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), []);
});

test('an offer that raises leaves no Idempotency-Key behind, so the same request can be tried again', async (t) => {
  const club = await createClub(db().pool);
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'offer_contract', {});

  const state = await sqlstateOf(
    offerContract(
      db().pool,
      { tenantId: club.id, playerId: 2_000_000_000, monthlyFee: 1, targetTeamId: null, force: false, actor: 'a' },
      claim,
    ),
  );

  t.is(state, 'UNKPL');
  const keys = await db().pool.anyFirst(
    sql.type(z.object({ key: z.string() }))`SELECT key FROM idempotency_keys WHERE tenant_id = ${club.id}`,
  );
  t.deepEqual(keys, []);
});

// Serial, so before the file's other tests: an update is HOT only if the new row version fits on
// its page, and their inserts and offers fill the same pages meanwhile.
test.serial('a re-offer can update the player in place (HOT): no index of players covers a column it changes', async (t) => {
  const indexed = await db().pool.anyFirst(sql.type(z.object({ column: z.string() }))`
    SELECT DISTINCT attribute.attname AS column
    FROM pg_index AS index
    JOIN pg_attribute AS attribute ON attribute.attrelid = index.indrelid AND attribute.attnum = ANY (index.indkey)
    WHERE index.indrelid = 'players'::regclass
    ORDER BY 1
  `);
  t.deepEqual(
    indexed,
    ['contract_status', 'external_id', 'id', 'tenant_id'],
    'a re-offer keeps the status and the club’s own id, and changes the rest',
  );

  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  // Counted inside one transaction, before and after: the backend may still hold counts of earlier
  // transactions it has not reported yet.
  const hotUpdates = await db().pool.transaction(async (transaction) => {
    const count = () =>
      transaction.oneFirst(sql.type(z.object({ hot: z.bigint() }))`
        SELECT pg_stat_get_xact_tuples_hot_updated('players'::regclass) AS hot
      `);
    const before = await count();
    await offerContract(transaction, { tenantId: club.id, playerId, monthlyFee: 175, targetTeamId: null, force: true, actor: 'a' });
    return (await count()) - before;
  });
  t.is(hotUpdates, 1n);
});
