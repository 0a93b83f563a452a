import test from 'ava';
import { sql } from 'slonik';
import { offerContract } from '../../src/contracts/store.ts';
import { signContract } from '../../src/family/store.ts';
import {
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readAuditLog,
  readJobs,
  readOutbox,
  readMessages,
  readPlayer,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/sign_contract_as_signer: SIGN by one signer through their own link, in one call, with the
// signature's evidence.

const db = useDatabase();

test('records the signature and writes one sign row whose snapshots bracket the change', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);
  const playerId = await createPlayer(db().pool, club, { teamIds: [team] });
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const answer = await signContract(db().pool, {
    token,
    signedBy: 'Dana Park',
    signatureUrl: null,
    ip: '2001:db8::1',
    contractVersion: 'v7',
  });

  t.like(await readPlayer(db().pool, club, playerId), {
    contract_status: 'signed',
    contract_signed_by: 'Dana Park',
    contract_signed_ip: '2001:db8::1',
    contract_signature_url: null,
    contract_version: 'v7',
  });
  const [row, ...rest] = await readAuditLog(db().pool, club, playerId);
  t.deepEqual(rest, []);
  t.like(row, { event_type: 'sign', actor: 'family', source: 'family_link' });
  t.like(row?.old_state, { contract_status: 'offered', contract_signed_at: null, team_ids: [team] });
  t.like(row?.new_state, { contract_status: 'signed', contract_signed_ip: '2001:db8::1', team_ids: [team] });
  t.like(answer, { previous_status: 'offered', status: 'signed', player_name: 'Jacelyn Park', monthly_fee: 150, contract_version: 'v7' });
});

test('a state the caller’s machine does not take SIGN from is refused, and nothing changes', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  const before = await readPlayer(db().pool, club, playerId);

  const state = await sqlstateOf(
    signContract(db().pool, { token, signedBy: 'X', signatureUrl: null, ip: null, contractVersion: 'v1' }, ['none']),
  );

  t.is(state, 'CTSKW', 'the database always takes SIGN from offered: the two machines differ');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});

test('a refused signature changes nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'declined');
  const before = await readPlayer(db().pool, club, playerId);
  const auditBefore = await readAuditLog(db().pool, club, playerId);

  const state = await sqlstateOf(signContract(db().pool, { token, signedBy: 'X', signatureUrl: null, ip: null, contractVersion: 'v1' }));

  t.is(state, 'CTDCL');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), auditBefore);
});

test('queues one confirmation of the audit row it wrote, and cancels the offer’s automatic reminder', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  // A reminder as the worker schedules it after the offer's mail is sent.
  await db().pool.query(sql.unsafe`
    SELECT graphile_worker.add_job('queue_contract_reminder', json_build_object('tenant_id', ${club.id}::integer, 'player_id', ${playerId}::integer),
      run_at => now() + interval '3 days', job_key => contract_reminder_job_key(${club.id}, ${playerId}))
  `);

  await signContract(db().pool, { token, signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });

  const [, confirmation] = await readMessages(db().pool, club, playerId);
  t.like(confirmation, { kind: 'confirmation', status: 'queued', recipient: 'family@example.test' });
  const jobs = await readJobs(db().pool, club, playerId);
  t.false(
    jobs.some((job) => job.task === 'queue_contract_reminder'),
    'no reminder is due any more',
  );
  t.like((await readOutbox(db().pool, club, playerId)).at(-1), { id: confirmation?.id, outbox: true, due: true }, 'due in the outbox');
  const auditId = await db().pool.oneFirst(sql.unsafe`
    SELECT audit_id FROM contract_messages WHERE tenant_id = ${club.id} AND id = ${confirmation?.id ?? 0}
  `);
  t.is(Number(auditId), (await readAuditLog(db().pool, club, playerId)).at(-1)?.id ?? 0);
});

test('records the evidence: consent to sign electronically, the disclosure shown, the user agent, also in the sign row', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  const disclosure = { version: 'esign-en-2026-12', sha256: 'ab'.repeat(32) };

  await signContract(db().pool, {
    token,
    signedBy: 'Dana Park',
    signatureUrl: null,
    ip: null,
    contractVersion: 'v1',
    evidence: { esignConsent: true, disclosure, userAgent: 'Mozilla/5.0 (iPhone)' },
  });

  const evidence = await db().pool.one(sql.unsafe`
    SELECT contract_esign_consent, contract_disclosure_version, encode(contract_disclosure_sha256, 'hex') AS sha256,
           contract_signed_user_agent
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
  t.deepEqual(evidence, {
    contract_esign_consent: true,
    contract_disclosure_version: 'esign-en-2026-12',
    sha256: 'ab'.repeat(32),
    contract_signed_user_agent: 'Mozilla/5.0 (iPhone)',
  });
  const [row] = await readAuditLog(db().pool, club, playerId);
  t.like(row?.new_state, {
    contract_esign_consent: true,
    contract_disclosure_version: 'esign-en-2026-12',
    contract_disclosure_sha256: 'ab'.repeat(32),
    contract_signed_user_agent: 'Mozilla/5.0 (iPhone)',
  });
});

test('a new offer clears the evidence of the signature it replaces', async (t) => {
  const club = await createClub(db().pool);
  const [gold, silver] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [gold] });
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  await signContract(db().pool, {
    token,
    signedBy: 'Dana Park',
    signatureUrl: null,
    ip: null,
    contractVersion: 'v1',
    evidence: { esignConsent: true, disclosure: { version: 'v', sha256: 'cd'.repeat(32) }, userAgent: 'UA' },
  });

  await offerContract(db().pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 90,
    targetTeamId: silver,
    force: false,
    actor: 'registrar@example.test',
  });

  const cleared = await db().pool.one(sql.unsafe`
    SELECT contract_esign_consent, contract_disclosure_version, contract_disclosure_sha256, contract_signed_user_agent
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
  t.deepEqual(cleared, {
    contract_esign_consent: null,
    contract_disclosure_version: null,
    contract_disclosure_sha256: null,
    contract_signed_user_agent: null,
  });
});

/** A minor with two listed guardians, offered under the club's `policy`; the offer's two signers. */
async function twoGuardians(policy: 'one_guardian' | 'all_guardians') {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, policy);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first, second] = await readSigners(db().pool, club, playerId);
  if (first === undefined || second === undefined) throw new Error('the offer has two signers');
  return { club, playerId, first, second };
}

const signAs = (token: string, signedBy: string) =>
  signContract(db().pool, { token, signedBy, signatureUrl: null, ip: '198.51.100.4', contractVersion: 'v1' });

test('under all_guardians, a signature that leaves a guardian pending keeps the offer open: one signature row, a note to that signer only', async (t) => {
  const { club, playerId, first } = await twoGuardians('all_guardians');

  const answer = await signAs(first.token, 'Dana Park');

  t.like(answer, { previous_status: 'offered', status: 'offered' });
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'offered', contract_signed_by: null });
  const [signature, ...rest] = await readAuditLog(db().pool, club, playerId);
  t.deepEqual(rest, []);
  t.like(signature, { event_type: 'signature', actor: 'family' });
  t.deepEqual(signature?.old_state.signatures, []);
  t.like(((signature?.new_state.signatures ?? []) as unknown[])[0], { signer_id: first.id, role: 'guardian', signed_by: 'Dana Park' });
  const notes = (await readMessages(db().pool, club, playerId)).filter((message) => message.kind === 'confirmation');
  t.deepEqual(
    notes.map((message) => message.recipient),
    ['dana@example.test'],
  );
  t.like(await readSigners(db().pool, club, playerId), [{ status: 'signed' }, { status: 'pending' }]);
});

test('under all_guardians, the last guardian’s signature completes the contract: one sign row, a confirmation to every signer', async (t) => {
  const { club, playerId, first, second } = await twoGuardians('all_guardians');
  await signAs(first.token, 'Dana Park');

  const answer = await signAs(second.token, 'Sam Park');

  t.like(answer, { previous_status: 'offered', status: 'signed' });
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'signed', contract_signed_by: 'Sam Park' });
  const rows = await readAuditLog(db().pool, club, playerId);
  t.deepEqual(
    rows.map((row) => row.event_type),
    ['signature', 'sign'],
  );
  t.deepEqual(
    ((rows[1]?.new_state.signatures ?? []) as Array<{ signed_by: string }>).map((signature) => signature.signed_by),
    ['Dana Park', 'Sam Park'],
  );
  const confirmations = (await readMessages(db().pool, club, playerId)).filter((message) => message.kind === 'confirmation');
  t.deepEqual(
    confirmations.map((message) => message.recipient),
    ['dana@example.test', 'dana@example.test', 'sam@example.test'],
    'the note of the first signature, then the confirmation to each signer',
  );
});

test('a second signature through the same link while the offer waits is 409 already_signed_by_you, and nothing changes', async (t) => {
  const { club, playerId, first } = await twoGuardians('all_guardians');
  await signAs(first.token, 'Dana Park');
  const before = { player: await readPlayer(db().pool, club, playerId), audit: await readAuditLog(db().pool, club, playerId) };

  t.is(await sqlstateOf(signAs(first.token, 'Dana Park')), 'CTSGY');

  t.deepEqual({ player: await readPlayer(db().pool, club, playerId), audit: await readAuditLog(db().pool, club, playerId) }, before);
});

test('under one_guardian, the first guardian’s signature completes the contract; the other’s SIGN is 409 contract_already_signed', async (t) => {
  const { club, playerId, first, second } = await twoGuardians('one_guardian');

  t.like(await signAs(second.token, 'Sam Park'), { status: 'signed' });

  t.is(await sqlstateOf(signAs(first.token, 'Dana Park')), 'CTSGN');
  t.like(await readSigners(db().pool, club, playerId), [{ status: 'pending' }, { status: 'signed', signed_by: 'Sam Park' }]);
  t.deepEqual(
    (await readAuditLog(db().pool, club, playerId)).map((row) => row.event_type),
    ['sign'],
  );
});

test('20 concurrent signatures by two guardians under all_guardians: one signature row, one sign row, no signature lost', async (t) => {
  const { club, playerId, first, second } = await twoGuardians('all_guardians');

  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      sqlstateOf(index % 2 === 0 ? signAs(first.token, 'Dana Park') : signAs(second.token, 'Sam Park')),
    ),
  );

  t.is(outcomes.filter((state) => state === null).length, 2, 'each guardian signed once');
  t.true(
    outcomes.every((state) => state === null || state === 'CTSGY' || state === 'CTSGN'),
    JSON.stringify(outcomes),
  );
  t.deepEqual(
    (await readAuditLog(db().pool, club, playerId)).map((row) => row.event_type),
    ['signature', 'sign'],
  );
  t.like(await readSigners(db().pool, club, playerId), [{ status: 'signed' }, { status: 'signed' }]);
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'signed' });
});

test('an offer made before signers existed is signed through its one link, the player recorded as its signer', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  // As a database migrated under an open offer has it: no signer rows.
  await db().pool.query(sql.unsafe`DELETE FROM contract_signers WHERE tenant_id = ${club.id} AND player_id = ${playerId}`);

  await signAs(token, 'Dana Park');

  t.like(await readSigners(db().pool, club, playerId), [{ role: 'player', token, status: 'signed', signed_by: 'Dana Park' }]);
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'signed' });
});
