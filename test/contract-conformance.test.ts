import test from 'ava';
import { CONTRACT_STATUSES, type ContractEvent } from '../machines/contract.ts';
import { evaluate } from '../machines/evaluate.ts';
import { toAppError } from '../src/errors.ts';
import { offerContract } from '../src/store/contracts.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';

// SPEC §2: "a test fails if the SQL function and the machine ever disagree on any (state, event,
// guard) combination". Every combination is set up for real and sent both to the machine and to
// the SQL function, with no HTTP layer in between to hide a disagreement.

let db: TestDatabase;
test.before(async () => {
  db = await createTestDatabase();
});
test.after.always(async () => {
  await db?.drop();
});

type Target = 'no target' | 'the current team' | 'another team';
const targets: Target[] = ['no target', 'the current team', 'another team'];

for (const status of CONTRACT_STATUSES) {
  for (const force of [false, true]) {
    for (const target of targets) {
      test(`OFFER force=${force} with ${target} on ${status}: machine and offer_contract agree`, async (t) => {
        const club = await createClub(db.pool);
        const [current, other] = [await createTeam(db.pool, club), await createTeam(db.pool, club)];
        const playerId = await createPlayer(db.pool, club, { teamIds: [current] });
        if (status !== 'none') await putContractInState(db.pool, club, playerId, status);
        const before = await readPlayer(db.pool, club, playerId);
        const targetTeamId = { 'no target': null, 'the current team': current, 'another team': other }[target];
        const event: ContractEvent = { type: 'OFFER', force, targetTeamId };

        const machine = evaluate(status, { teamIds: [current] }, event);
        const database = await offerContract(db.pool, {
          tenantId: club.id,
          playerId,
          monthlyFee: 175,
          targetTeamId,
          force,
          actor: 'conformance@example.test',
        }).then(
          (result) => ({ allowed: true as const, result }),
          (error: unknown) => ({ allowed: false as const, code: toAppError(error).code }),
        );
        const after = await readPlayer(db.pool, club, playerId);
        const audit = await readAuditLog(db.pool, club, playerId);

        if (!machine.allowed) {
          t.false(database.allowed, 'the machine refuses, so the function must too');
          t.is(database.allowed ? undefined : database.code, machine.refusal);
          t.deepEqual(after, before);
          t.deepEqual(audit, []);
          return;
        }
        t.true(database.allowed, 'the machine allows, so the function must too');
        t.is(after.contract_status, machine.to);
        t.is(after.contract_token !== before.contract_token, machine.mintsToken);
        t.deepEqual(
          audit.map((row) => row.event_type),
          machine.auditEvent === null ? [] : [machine.auditEvent],
        );
      });
    }
  }
}
