import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerResult } from '../../src/store/contracts.ts';
import { type IdempotentWrite, runIdempotentWrite } from '../../src/store/idempotent-writes.ts';
import { type Club, createClub, createPlayer, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/run_idempotent_write: key, write and stored outcome in one call.

const db = useDatabase();
const once = { key: 'k', ttlSeconds: 3600, waitMs: 1000 };
const run = (club: Club, write: IdempotentWrite, outcome: z.ZodTypeAny = z.unknown()) =>
  runIdempotentWrite(db().pool, club.id, 'coach@example.test', once, write, outcome);

const storedKeys = (club: Club) =>
  db().pool.anyFirst(sql.type(z.object({ response: z.unknown() }))`
    SELECT response FROM idempotency_keys WHERE tenant_id = ${club.id}
  `);

test('the first call writes and stores the outcome with the key; the second returns it and writes nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const write = {
    operation: 'offer_contract',
    args: { player_id: playerId, monthly_fee: 150, target_team_id: null, force: true, allowed_from: ['none', 'offered'] },
  } as const;

  const first = await run(club, write, offerResult.extend({ actor: z.string() }));
  const tokenAfterFirst = (await readPlayer(db().pool, club, playerId)).contract_token;
  const second = await run(club, write, offerResult.extend({ actor: z.string() }));

  t.false(first.replayed);
  t.like(first.outcome, { previous_status: 'none', new_status: 'offered', actor: 'coach@example.test' });
  t.is(first.outcome.contract_token, tokenAfterFirst);
  t.true(second.replayed);
  t.deepEqual(second.outcome, first.outcome);
  t.is((await readPlayer(db().pool, club, playerId)).contract_token, tokenAfterFirst);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), []);
});

test('a write that raises leaves no key behind, so the same request can be tried again', async (t) => {
  const club = await createClub(db().pool);

  const state = await sqlstateOf(
    run(club, { operation: 'offer_contract', args: { player_id: 2_000_000_000, monthly_fee: 1, target_team_id: null, force: false, allowed_from: ['none'] } }),
  );

  t.is(state, 'UNKPL');
  t.deepEqual(await storedKeys(club), []);
});

test('creates teams and players through their functions and stores what they returned', async (t) => {
  const club = await createClub(db().pool);

  const team = await runIdempotentWrite(db().pool, club.id, 'a', { ...once, key: 'team' }, {
    operation: 'create_team',
    args: { name: 'U10' },
  }, z.unknown());
  const player = await runIdempotentWrite(db().pool, club.id, 'a', { ...once, key: 'player' }, {
    operation: 'create_player',
    args: { name: 'Noa', email: 'noa@example.test', team_ids: [(team.outcome as { id: number }).id] },
  }, z.unknown());

  t.like(team.outcome, { name: 'U10' });
  t.like(player.outcome, { name: 'Noa', contract_status: 'none', team_ids: [(team.outcome as { id: number }).id] });
  t.deepEqual(new Set(await storedKeys(club)), new Set([team.outcome, player.outcome]));
});
