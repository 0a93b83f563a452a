import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import type { FamilyMailBudget } from '../../src/config.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { beginContractMessageWithinBudget, claimFamilyMail, finishContractMessage } from '../../src/mail/contract-messages.ts';
import { type Club, createClub, createPlayer, putContractInState, readMessages } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/claim_family_mail: the family's e-mail budget, asked by the worker before a message's first
// attempt. Each call here is its own transaction, as the worker's are.

const db = useDatabase();

const budget: FamilyMailBudget = { perHour: 6, spacingSeconds: 30 };

/** A player of `club` with an open offer to `email`; `reoffer` replaces it and answers the newer offer mail's id. */
async function offered(club: Club, email: string) {
  const playerId = await createPlayer(db().pool, club, { email });
  await putContractInState(db().pool, club, playerId, 'offered');
  const latestMail = async () => (await readMessages(db().pool, club, playerId)).at(-1)?.id ?? 0;
  const reoffer = async () => {
    await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 170, targetTeamId: null, force: true, actor: 'a' });
    return latestMail();
  };
  return { playerId, firstMail: await latestMail(), reoffer };
}

/** The recorded sends of one address of the club, oldest first. */
const sendsTo = (club: Club, email: string) =>
  db().pool.anyFirst(sql.type(z.object({ sent: z.number() }))`
    SELECT unnest(sent_at) AS sent FROM family_mail_budgets
    WHERE tenant_id = ${club.id} AND address_sha256 = sha256(convert_to(lower(${email}), 'UTF8'))
  `);

test('an offer and one quick correction leave at once; a third mail within the spacing waits until the spacing after the first', async (t) => {
  const club = await createClub(db().pool);
  const family = await offered(club, 'park@example.test');

  t.is(await claimFamilyMail(db().pool, club.id, family.firstMail, budget), null);
  t.is(await claimFamilyMail(db().pool, club.id, await family.reoffer(), budget), null);
  const allowedAt = await claimFamilyMail(db().pool, club.id, await family.reoffer(), budget);

  const [first] = await sendsTo(club, 'park@example.test');
  t.is(allowedAt?.getTime(), (first ?? 0) + budget.spacingSeconds * 1000);
  t.is((await sendsTo(club, 'park@example.test')).length, 2, 'the held mail is not recorded as sent');
});

test('at most perHour mails to one address in any hour: the next waits until an hour after the oldest of them', async (t) => {
  const club = await createClub(db().pool);
  const family = await offered(club, 'hourly@example.test');
  const noSpacing = { perHour: 3, spacingSeconds: 0 };

  t.is(await claimFamilyMail(db().pool, club.id, family.firstMail, noSpacing), null);
  t.is(await claimFamilyMail(db().pool, club.id, await family.reoffer(), noSpacing), null);
  t.is(await claimFamilyMail(db().pool, club.id, await family.reoffer(), noSpacing), null);
  const allowedAt = await claimFamilyMail(db().pool, club.id, await family.reoffer(), noSpacing);

  const [oldest] = await sendsTo(club, 'hourly@example.test');
  t.is(allowedAt?.getTime(), (oldest ?? 0) + 3600 * 1000);
});

test('the budget is the address’s, whatever its case, across the club’s players', async (t) => {
  const club = await createClub(db().pool);
  const older = await offered(club, 'Siblings@Example.test');
  const younger = await offered(club, 'siblings@example.test');
  const youngest = await offered(club, 'SIBLINGS@example.test');

  t.is(await claimFamilyMail(db().pool, club.id, older.firstMail, budget), null);
  t.is(await claimFamilyMail(db().pool, club.id, younger.firstMail, budget), null);

  t.not(await claimFamilyMail(db().pool, club.id, youngest.firstMail, budget), null);
});

test('another club’s mails to the same address have a budget of their own', async (t) => {
  const [north, south] = [await createClub(db().pool), await createClub(db().pool)];
  const northFamily = await offered(north, 'two-clubs@example.test');
  await claimFamilyMail(db().pool, north.id, northFamily.firstMail, budget);
  await claimFamilyMail(db().pool, north.id, await northFamily.reoffer(), budget);

  const southFamily = await offered(south, 'two-clubs@example.test');

  t.is(await claimFamilyMail(db().pool, south.id, southFamily.firstMail, budget), null);
});

test('a confirmation is never held and takes nothing from the budget', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club, { email: 'signs@example.test' });
  await putContractInState(db().pool, club, playerId, 'signed');
  const [offer, confirmation] = await readMessages(db().pool, club, playerId);
  const onePerHour = { perHour: 1, spacingSeconds: 30 };
  await claimFamilyMail(db().pool, club.id, offer?.id ?? 0, onePerHour);

  t.is(confirmation?.kind, 'confirmation');
  t.is(await claimFamilyMail(db().pool, club.id, confirmation?.id ?? 0, onePerHour), null);
  t.is((await sendsTo(club, 'signs@example.test')).length, 1);
});

test('a retry was counted at its first attempt and is not counted again', async (t) => {
  const club = await createClub(db().pool);
  const family = await offered(club, 'retries@example.test');

  t.like(await beginContractMessageWithinBudget(db().pool, club.id, family.firstMail, budget), { send: { kind: 'offer' } });
  await finishContractMessage(db().pool, club.id, family.firstMail, null, '451 try again later');
  t.like(await beginContractMessageWithinBudget(db().pool, club.id, family.firstMail, budget), { send: { kind: 'offer' } });

  t.is((await sendsTo(club, 'retries@example.test')).length, 1);
});

test('the budget keeps no address: only its sha256', async (t) => {
  const club = await createClub(db().pool);
  const family = await offered(club, 'private@example.test');

  await claimFamilyMail(db().pool, club.id, family.firstMail, budget);

  const stored = await db().pool.one(sql.type(z.object({ row: z.string() }))`
    SELECT row_to_json(family_mail_budgets)::text AS row FROM family_mail_budgets WHERE tenant_id = ${club.id}
  `);
  t.false(stored.row.toLowerCase().includes('private'));
});
