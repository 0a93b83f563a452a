import test from 'ava';
import { withdrawContract } from '../../src/contracts/store.ts';
import { idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readJobs, readMessages, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/withdraw_contract: the club takes back an open offer.

const db = useDatabase();

test('an open offer becomes withdrawn, with a withdraw audit row that keeps the reason; its unsent mail is cancelled', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const outcome = await withdrawContract(db().pool, {
    tenantId: club.id,
    playerId,
    reason: 'Offered to the wrong player',
    actor: 'coach@example.test',
  });

  t.like(outcome, { replayed: false, previous_status: 'offered', new_status: 'withdrawn', actor: 'coach@example.test' });
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'withdrawn', contract_token: token });
  const [row] = (await readAuditLog(db().pool, club, playerId)).slice(-1);
  t.like(row, { id: outcome.audit_id, event_type: 'withdraw', actor: 'coach@example.test', source: 'admin_api' });
  t.like(row?.old_state, { contract_status: 'offered' });
  t.like(row?.new_state, { contract_status: 'withdrawn' });
  t.like(await readMessages(db().pool, club, playerId), [
    { kind: 'offer', status: 'skipped', last_error: 'the offer was withdrawn before it left' },
  ]);
  t.deepEqual(await readJobs(db().pool, club, playerId), []);
});

test('a player with no open offer: CTNOP, and nothing changes', async (t) => {
  const club = await createClub(db().pool);
  for (const status of ['signed', 'declined'] as const) {
    const playerId = await createPlayer(db().pool, club);
    await putContractInState(db().pool, club, playerId, status);
    const before = await readPlayer(db().pool, club, playerId);
    t.is(await sqlstateOf(withdrawContract(db().pool, { tenantId: club.id, playerId, reason: 'r', actor: 'a' })), 'CTNOP', status);
    t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  }
  t.is(await sqlstateOf(withdrawContract(db().pool, { tenantId: club.id, playerId: 2_000_000_000, reason: 'r', actor: 'a' })), 'UNKPL');
});

test('with an Idempotency-Key a retry replays the first withdrawal and writes nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const claim = idempotencyClaim('w', { ttlSeconds: 3600, waitMs: 1000 }, 'withdraw_contract', { player_id: playerId });

  const first = await withdrawContract(db().pool, { tenantId: club.id, playerId, reason: 'r', actor: 'a' }, claim);
  const audit = await readAuditLog(db().pool, club, playerId);
  const second = await withdrawContract(db().pool, { tenantId: club.id, playerId, reason: 'r', actor: 'someone else' }, claim);

  t.deepEqual(second, { ...first, replayed: true });
  t.deepEqual(await readAuditLog(db().pool, club, playerId), audit);
});
