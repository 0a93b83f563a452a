import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { signContract } from '../../src/family/store.ts';
import {
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_snapshot: the shape of old_state / new_state (docs/PRODUCT.md, "Audit snapshots").

const db = useDatabase();

test("keys are the player's contract columns plus team_ids and signatures, with values as stored", async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [a, b] });
  const token = await putContractInState(db().pool, club, playerId, 'signed');

  const snapshot = await db().pool.oneFirst(sql.type(z.object({ snapshot: z.record(z.unknown()) }))`
    SELECT contract_snapshot(players, ARRAY[${a}, ${b}]::integer[]) AS snapshot
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

  t.deepEqual(Object.keys(snapshot).sort(), [
    'contract_declined_at',
    'contract_disclosure_sha256',
    'contract_disclosure_version',
    'contract_esign_consent',
    'contract_offered_at',
    'contract_offered_by',
    'contract_signature_url',
    'contract_signed_at',
    'contract_signed_by',
    'contract_signed_ip',
    'contract_signed_user_agent',
    'contract_status',
    'contract_terms_sha256',
    'contract_terms_version',
    'contract_token',
    'contract_version',
    'monthly_fee',
    'signatures',
    'team_ids',
  ]);
  t.like(snapshot, {
    contract_status: 'signed',
    contract_token: token,
    monthly_fee: 150,
    contract_signed_ip: '203.0.113.7',
    contract_declined_at: null,
    team_ids: [a, b],
  });
  t.like((snapshot.signatures as unknown[])[0], {
    role: 'player',
    name: 'Jacelyn Park',
    signed_by: 'Dana Park',
    ip: '203.0.113.7',
    esign_consent: null,
  });
});

test('signatures hold every signature of the offer so far, in signer order, and only those', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [, second] = await readSigners(db().pool, club, playerId);
  await signContract(db().pool, { token: second?.token ?? '', signedBy: 'Sam Park', signatureUrl: null, ip: null, contractVersion: 'v1' });

  const snapshot = await db().pool.oneFirst(sql.type(z.object({ snapshot: z.record(z.unknown()) }))`
    SELECT contract_snapshot(players, '{}') AS snapshot FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

  t.deepEqual(
    (snapshot.signatures as Array<Record<string, unknown>>).map(({ signer_id, role, name, signed_by }) => ({
      signer_id,
      role,
      name,
      signed_by,
    })),
    [{ signer_id: second?.id, role: 'guardian', name: 'Sam Park', signed_by: 'Sam Park' }],
  );
});
