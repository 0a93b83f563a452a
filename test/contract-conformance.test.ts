import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { CONTRACT_STATUSES, type ContractEvent, type ContractStatus } from '../machines/contract.ts';
import { type Decision, evaluate } from '../machines/evaluate.ts';
import { toAppError } from '../src/errors.ts';
import { expireContract, offerContract, withdrawContract } from '../src/contracts/store.ts';
import { declineContract, signContract } from '../src/family/store.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import {
  type AuditRow,
  type Club,
  type PlayerRow,
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readAuditLog,
  readPlayer,
  readSigners,
  setSigningPolicy,
} from './helpers/fixtures.ts';

// docs/PRODUCT.md, "The state machine": "a test fails if the SQL function and the machine ever
// disagree on any (state, event, guard) combination". Every combination is set up for real and sent
// both to the machine and to the SQL function, with no HTTP layer in between to hide a
// disagreement.

let db: TestDatabase;
test.before(async () => {
  db = await createTestDatabase();
});
test.after.always(async () => {
  await db?.drop();
});

type Outcome = { readonly allowed: true } | { readonly allowed: false; readonly code: string };

/** What the database did with a call: allowed, or refused with the error code the client would get. */
const outcome = (call: Promise<unknown>): Promise<Outcome> =>
  call.then(
    () => ({ allowed: true }),
    (error: unknown) => ({ allowed: false, code: toAppError(error).code }),
  );

/**
 * The database must have done exactly what the machine says: same verdict, state, token and audit.
 * `before` is the player and audit log as the setup left them (a signed contract has its sign row).
 */
async function assertAgreement(
  t: ExecutionContext,
  club: Club,
  playerId: number,
  before: { readonly player: PlayerRow; readonly audit: readonly AuditRow[] },
  machine: Decision,
  database: Outcome,
): Promise<void> {
  const after = await readPlayer(db.pool, club, playerId);
  const audit = (await readAuditLog(db.pool, club, playerId)).slice(before.audit.length);
  if (!machine.allowed) {
    t.false(database.allowed, 'the machine refuses, so the function must too');
    t.is(database.allowed ? undefined : database.code, machine.refusal);
    t.deepEqual(after, before.player);
    t.deepEqual(audit, []);
    return;
  }
  t.true(database.allowed, 'the machine allows, so the function must too');
  t.is(after.contract_status, machine.to);
  t.is(after.contract_token !== before.player.contract_token, machine.mintsToken);
  t.deepEqual(
    audit.map((row) => row.event_type),
    machine.auditEvent === null ? [] : [machine.auditEvent],
  );
}

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
        const before = { player: await readPlayer(db.pool, club, playerId), audit: await readAuditLog(db.pool, club, playerId) };
        const targetTeamId = { 'no target': null, 'the current team': current, 'another team': other }[target];
        const event: ContractEvent = { type: 'OFFER', force, targetTeamId };

        const machine = evaluate(status, { teamIds: [current], pendingSigners: 0 }, event);
        const database = await outcome(
          offerContract(db.pool, {
            tenantId: club.id,
            playerId,
            monthlyFee: 175,
            targetTeamId,
            force,
            actor: 'conformance@example.test',
            // Every state: the database's own rules are compared, not the service's judgement.
            allowedFrom: CONTRACT_STATUSES,
          }),
        );
        await assertAgreement(t, club, playerId, before, machine, database);
      });
    }
  }
}

// SIGN and DECLINE arrive with the family's token. A player with no contract has none, so no link
// can reach it: for `none` the event goes straight to contract_transition, the one SQL entry that
// decides every transition, so the rule itself is compared, not an unknown token's refusal.
const decideInDatabase = (status: ContractStatus, type: 'SIGN' | 'DECLINE' | 'EXPIRE', teamIds: readonly number[]) =>
  db.pool.query(sql.unsafe`
    SELECT to_status FROM contract_transition(
      ${status}, ${sql.jsonb({ type })}, ${sql.jsonb({ teamIds: [...teamIds] })}, ${sql.array(CONTRACT_STATUSES, 'text')}
    )
  `);

for (const status of CONTRACT_STATUSES) {
  for (const type of ['SIGN', 'DECLINE'] as const) {
    const entry = status === 'none' ? 'contract_transition' : type === 'SIGN' ? 'sign_contract_as_signer' : 'decline_contract_as_signer';
    test(`${type} on ${status}: machine and ${entry} agree`, async (t) => {
      const club = await createClub(db.pool);
      const team = await createTeam(db.pool, club);
      const playerId = await createPlayer(db.pool, club, { teamIds: [team] });
      const token = status === 'none' ? null : await putContractInState(db.pool, club, playerId, status);
      const before = { player: await readPlayer(db.pool, club, playerId), audit: await readAuditLog(db.pool, club, playerId) };

      const machine = evaluate(status, { teamIds: [team], pendingSigners: 0 }, { type });
      const call =
        token === null
          ? decideInDatabase(status, type, [team])
          : type === 'SIGN'
            ? signContract(
                db.pool,
                { token, signedBy: 'Dana', signatureUrl: null, ip: '192.0.2.1', contractVersion: 'v1' },
                CONTRACT_STATUSES,
              )
            : declineContract(db.pool, token, CONTRACT_STATUSES);
      const database = await outcome(call);
      await assertAgreement(t, club, playerId, before, machine, database);
    });
  }
}

// The guard moreSignersPending: three guardians who must all sign (docs/PRODUCT.md, "Who signs"),
// the contract put in each state through their links, then SIGN through the second guardian's
// link. On `offered` two others are still to sign, so the guard holds.
for (const status of CONTRACT_STATUSES.filter((status) => status !== 'none')) {
  test(`SIGN with other guardians still to sign on ${status}: machine and sign_contract_as_signer agree`, async (t) => {
    const club = await createClub(db.pool);
    await setSigningPolicy(db.pool, club, 'all_guardians');
    const team = await createTeam(db.pool, club);
    const playerId = await createPlayer(db.pool, club, { teamIds: [team] });
    await addGuardians(db.pool, club, playerId, [
      { name: 'Dana Park', email: 'dana@example.test' },
      { name: 'Sam Park', email: 'sam@example.test' },
      { name: 'Alex Park', email: 'alex@example.test' },
    ]);
    await putContractInState(db.pool, club, playerId, status === 'signed' ? 'offered' : status);
    const signers = await readSigners(db.pool, club, playerId);
    if (status === 'signed') {
      for (const signer of signers) {
        await signContract(db.pool, { token: signer.token, signedBy: signer.name, signatureUrl: null, ip: null, contractVersion: 'v1' });
      }
    }
    const second = signers[1]?.token ?? '';
    const before = { player: await readPlayer(db.pool, club, playerId), audit: await readAuditLog(db.pool, club, playerId) };
    const pendingSigners = (await readSigners(db.pool, club, playerId)).filter(
      (signer) => signer.status === 'pending' && signer.token !== second,
    ).length;

    const machine = evaluate(status, { teamIds: [team], pendingSigners }, { type: 'SIGN' });
    const database = await outcome(
      signContract(
        db.pool,
        { token: second, signedBy: 'Sam', signatureUrl: null, ip: '192.0.2.1', contractVersion: 'v1' },
        CONTRACT_STATUSES,
      ),
    );

    if (status === 'offered') t.is(pendingSigners, 2, 'the guard holds: two others are still to sign');
    await assertAgreement(t, club, playerId, before, machine, database);
  });
}

// WITHDRAW comes from the club, for a player; EXPIRE from the job queue at an offer's deadline. The
// expiry function does nothing unless that very offer is open, so for every other state the rule
// itself is compared through contract_transition.
for (const status of CONTRACT_STATUSES) {
  test(`WITHDRAW on ${status}: machine and withdraw_contract agree`, async (t) => {
    const club = await createClub(db.pool);
    const team = await createTeam(db.pool, club);
    const playerId = await createPlayer(db.pool, club, { teamIds: [team] });
    if (status !== 'none') await putContractInState(db.pool, club, playerId, status);
    const before = { player: await readPlayer(db.pool, club, playerId), audit: await readAuditLog(db.pool, club, playerId) };

    const machine = evaluate(status, { teamIds: [team], pendingSigners: 0 }, { type: 'WITHDRAW' });
    const database = await outcome(
      withdrawContract(db.pool, { tenantId: club.id, playerId, reason: 'conformance', actor: 'a', allowedFrom: CONTRACT_STATUSES }),
    );
    await assertAgreement(t, club, playerId, before, machine, database);
  });

  test(`EXPIRE on ${status}: machine and ${status === 'offered' ? 'expire_contract' : 'contract_transition'} agree`, async (t) => {
    const club = await createClub(db.pool);
    const team = await createTeam(db.pool, club);
    const playerId = await createPlayer(db.pool, club, { teamIds: [team] });
    const token = status === 'none' ? null : await putContractInState(db.pool, club, playerId, status);
    const before = { player: await readPlayer(db.pool, club, playerId), audit: await readAuditLog(db.pool, club, playerId) };

    const machine = evaluate(status, { teamIds: [team], pendingSigners: 0 }, { type: 'EXPIRE' });
    const database = await outcome(
      status === 'offered' && token !== null
        ? expireContract(db.pool, club.id, playerId, createHash('sha256').update(token).digest())
        : decideInDatabase(status, 'EXPIRE', [team]),
    );
    await assertAgreement(t, club, playerId, before, machine, database);
  });
}
