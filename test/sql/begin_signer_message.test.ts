import test from 'ava';
import { sql } from 'slonik';
import { offerContract } from '../../src/contracts/store.ts';
import { updateClub } from '../../src/club/store.ts';
import { beginContractMessage } from '../../src/mail/contract-messages.ts';
import { z } from 'zod';
import { declineContract, signContract } from '../../src/family/store.ts';
import {
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readMessages,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/begin_signer_message: the worker's first step with a message to one signer.

const db = useDatabase();

test('an offer’s message: the club, the player, the teams, the fee and the current link; the attempt counted', async (t) => {
  const club = await createClub(db().pool, 'Westside "Hoops" & Co');
  const team = await createTeam(db().pool, club, 'U12 Gold');
  const playerId = await createPlayer(db().pool, club, { teamIds: [team], name: 'Jacelyn <Park>' });
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  const [message] = await readMessages(db().pool, club, playerId);

  const toSend = await beginContractMessage(db().pool, club.id, message?.id ?? 0);

  t.like(toSend, {
    kind: 'offer',
    club_name: 'Westside "Hoops" & Co',
    club_contact_email: null,
    club_time_zone: 'UTC',
    player_name: 'Jacelyn <Park>',
    team_names: ['U12 Gold'],
    monthly_fee: 150,
    contract_token: token,
    replaces_earlier_offer: false,
  });
  t.like(await readMessages(db().pool, club, playerId), [{ status: 'queued', attempts: 1 }]);
});

test("the club's contact e-mail (the Reply-To) and time zone as they are when the message leaves", async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [message] = await readMessages(db().pool, club, playerId);
  await updateClub(db().pool, club.id, { contact_email: 'office@example.test', time_zone: 'Europe/Madrid' });

  t.like(await beginContractMessage(db().pool, club.id, message?.id ?? 0), {
    club_contact_email: 'office@example.test',
    club_time_zone: 'Europe/Madrid',
  });
});

test('an offer’s message whose link was replaced is skipped, never sent', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first] = await readMessages(db().pool, club, playerId);
  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });
  // The newer offer marked it skipped; as if its job had already been taken, the worker still asks.
  await db().pool.query(sql.unsafe`UPDATE contract_messages SET status = 'queued' WHERE tenant_id = ${club.id} AND id = ${first?.id ?? 0}`);

  t.is(await beginContractMessage(db().pool, club.id, first?.id ?? 0), null);
  t.like((await readMessages(db().pool, club, playerId))[0], {
    status: 'skipped',
    attempts: 0,
    last_error: 'a newer offer replaced its link before it left',
  });
});

test('an offer’s message after the family answered is skipped; the confirmation tells what the audit row recorded', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club, 'U14 Silver');
  const playerId = await createPlayer(db().pool, club, { teamIds: [team] });
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  await signContract(db().pool, { token, signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v7' });
  const [offer, confirmation] = await readMessages(db().pool, club, playerId);

  t.is(await beginContractMessage(db().pool, club.id, offer?.id ?? 0), null);
  const toSend = await beginContractMessage(db().pool, club.id, confirmation?.id ?? 0);

  t.like((await readMessages(db().pool, club, playerId))[0], { status: 'skipped', last_error: 'the offer was answered before it left' });
  t.like(toSend, {
    kind: 'confirmation',
    outcome: 'signed',
    signed_by: 'Dana Park',
    contract_version: 'v7',
    team_names: ['U14 Silver'],
    monthly_fee: 150,
    contract_token: token,
  });
  t.true(typeof toSend?.answered_at === 'number');
});

test('a message already sent, failed or skipped is not sent again', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [message] = await readMessages(db().pool, club, playerId);
  await db().pool.query(sql.unsafe`SELECT finish_contract_message(${club.id}, ${message?.id ?? 0}, 'sent', NULL)`);

  t.is(await beginContractMessage(db().pool, club.id, message?.id ?? 0), null);
  t.like(await readMessages(db().pool, club, playerId), [{ status: 'sent', attempts: 0, sent: true }]);
});

/** A minor with two guardians who must both sign, offered; the offer's two signers. */
async function offeredToTwoGuardians() {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first, second] = await readSigners(db().pool, club, playerId);
  if (first === undefined || second === undefined) throw new Error('two signers');
  return { club, playerId, first, second };
}

test('each guardian’s offer mail holds that guardian’s own link and name, and goes to that guardian', async (t) => {
  const { club, playerId, first, second } = await offeredToTwoGuardians();
  const [toFirst, toSecond] = await readMessages(db().pool, club, playerId);

  t.like(await beginContractMessage(db().pool, club.id, toFirst?.id ?? 0), {
    recipient: 'dana@example.test',
    contract_token: first.token,
    signer_name: 'Dana Park',
    signer_role: 'guardian',
  });
  t.like(await beginContractMessage(db().pool, club.id, toSecond?.id ?? 0), {
    recipient: 'sam@example.test',
    contract_token: second.token,
    signer_name: 'Sam Park',
  });
});

test('a signature that waits for another guardian: its note names whom it waits for; that signer’s reminder is skipped', async (t) => {
  const { club, playerId, first } = await offeredToTwoGuardians();
  await signContract(db().pool, { token: first.token, signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });
  const reminder = await db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
    SELECT queue_signer_message(${club.id}, ${playerId}, 'reminder', ${first.token}, NULL, signer, NULL) AS id
    FROM contract_signers AS signer WHERE tenant_id = ${club.id} AND id = ${first.id}
  `);
  const note = (await readMessages(db().pool, club, playerId)).find((message) => message.kind === 'confirmation');

  t.like(await beginContractMessage(db().pool, club.id, note?.id ?? 0), {
    outcome: 'offered',
    signed_by: 'Dana Park',
    awaited_signers: ['Sam Park'],
    contract_token: first.token,
  });
  t.is(await beginContractMessage(db().pool, club.id, Number(reminder)), null);
  t.like((await readMessages(db().pool, club, playerId)).at(-1), { status: 'skipped', last_error: 'the signer signed before it left' });
});

test('a tier change’s offer names the teams and fee of the signed contract it voids', async (t) => {
  const club = await createClub(db().pool);
  const [gold, silver] = [await createTeam(db().pool, club, 'U12 Gold'), await createTeam(db().pool, club, 'U14 Silver')];
  const playerId = await createPlayer(db().pool, club, { teamIds: [gold] });
  await putContractInState(db().pool, club, playerId, 'signed');
  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 190, targetTeamId: silver, force: false, actor: 'a' });
  const offer = (await readMessages(db().pool, club, playerId)).at(-1);

  t.like(await beginContractMessage(db().pool, club.id, offer?.id ?? 0), {
    kind: 'offer',
    team_names: ['U14 Silver'],
    monthly_fee: 190,
    voided_team_names: ['U12 Gold'],
    voided_monthly_fee: 150,
  });
});

test('a decline by the other guardian names who declined', async (t) => {
  const { club, playerId, second } = await offeredToTwoGuardians();
  await declineContract(db().pool, second.token);
  const [toFirst] = (await readMessages(db().pool, club, playerId)).filter((message) => message.kind === 'confirmation');

  t.like(await beginContractMessage(db().pool, club.id, toFirst?.id ?? 0), {
    recipient: 'dana@example.test',
    outcome: 'declined',
    declined_by: 'Sam Park',
  });
});
