import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { type Club, createClub, createPlayer, putContractInState, randomToken, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/override_contract: the audited way round the contract rules, for an operator's repair.

const db = useDatabase();

const overrideResult = z.object({
  audit_id: z.bigint().transform(Number),
  old_state: z.record(z.unknown()),
  new_state: z.record(z.unknown()),
});
const override = (club: Club, playerId: number, changes: unknown, reason: string | null, actor = 'ops@example.test') =>
  db().pool.one(sql.type(overrideResult)`
    SELECT * FROM override_contract(${club.id}, ${playerId}, ${sql.jsonb(changes as never)}, ${reason}, ${actor})
  `);

async function offeredPlayer(): Promise<{ club: Club; playerId: number; token: string }> {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  return { club, playerId, token: await putContractInState(db().pool, club, playerId, 'offered') };
}

test('sets the named columns and writes an admin_override row with the reason, before and after', async (t) => {
  const { club, playerId, token } = await offeredPlayer();

  const result = await override(
    club,
    playerId,
    { contract_status: 'declined', contract_declined_at: '2026-01-31T18:00:00Z' },
    'The family declined by phone; ticket 4711.',
  );

  t.like(await readPlayer(db().pool, club, playerId), {
    contract_status: 'declined',
    contract_declined_at: Date.parse('2026-01-31T18:00:00Z'),
    contract_token: token,
  });
  const audit = await readAuditLog(db().pool, club, playerId);
  t.deepEqual(
    audit.map((row) => [row.id, row.event_type, row.actor, row.source, row.old_state.contract_status, row.new_state.contract_status]),
    [[result.audit_id, 'admin_override', 'ops@example.test', 'override_contract', 'offered', 'declined']],
  );
  const reason = await db().pool.oneFirst(sql.type(z.object({ reason: z.string().nullable() }))`
    SELECT reason FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${result.audit_id}
  `);
  t.is(reason, 'The family declined by phone; ticket 4711.');
  t.deepEqual([result.old_state, result.new_state], [audit[0]?.old_state, audit[0]?.new_state]);
});

test('without a reason or an actor it is refused with CTOVR and changes nothing', async (t) => {
  const { club, playerId } = await offeredPlayer();
  const before = await readPlayer(db().pool, club, playerId);
  const changes = { monthly_fee: 120 };

  t.is(await sqlstateOf(override(club, playerId, changes, null)), 'CTOVR');
  t.is(await sqlstateOf(override(club, playerId, changes, '   ')), 'CTOVR');
  t.is(await sqlstateOf(override(club, playerId, changes, 'Fee agreed by phone.', '')), 'CTOVR');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), []);
});

test('columns it cannot set, a change of nothing and changes that are not an object are refused with CTOVR', async (t) => {
  const { club, playerId } = await offeredPlayer();
  const reason = 'Repair.';

  t.is(await sqlstateOf(override(club, playerId, { monthly_fee: 120, tenant_id: 2 }, reason)), 'CTOVR');
  t.is(await sqlstateOf(override(club, playerId, { name: 'Someone else' }, reason)), 'CTOVR');
  t.is(await sqlstateOf(override(club, playerId, { monthly_fee: 150 }, reason)), 'CTOVR');
  t.is(await sqlstateOf(override(club, playerId, ['monthly_fee', 120], reason)), 'CTOVR');
  t.deepEqual(await readAuditLog(db().pool, club, playerId), []);
});

test("the table's CHECKs still hold: a signed status needs its signature", async (t) => {
  const { club, playerId } = await offeredPlayer();

  t.is(await sqlstateOf(override(club, playerId, { contract_status: 'signed' }, 'Signed on paper.')), '23514');
  t.is((await readPlayer(db().pool, club, playerId)).contract_status, 'offered');
});

test('a token it replaces is kept, so its link answers as replaced', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  const fresh = randomToken();

  await override(club, playerId, { contract_token: fresh }, 'The link leaked; issue a new one.');

  t.is((await readPlayer(db().pool, club, playerId)).contract_token, fresh);
  t.is(await sqlstateOf(db().pool.query(sql.unsafe`SELECT lock_offered_contract(${token})`)), 'CTSUP');
});

test("another club's player is not found", async (t) => {
  const { playerId } = await offeredPlayer();
  const other = await createClub(db().pool);

  t.is(await sqlstateOf(override(other, playerId, { monthly_fee: 120 }, 'Repair.')), 'UNKPL');
});
