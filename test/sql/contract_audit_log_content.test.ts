import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { canonicalContent } from '../../src/contracts/audit-chain.ts';
import { type Club, createClub, createPlayer } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_audit_log_content: what an audit row's hash covers, exactly as its header (and the
// README, "Tamper evidence") tells anyone who wants to recompute it outside the database.

const db = useDatabase();

/** Every character class the escaping rule names: quote, backslash, the five short escapes, other controls, and what stays as it is. */
const AWKWARD = 'ops "quoted" \\ back\nline\ttab\r\b\f\u0001\u001f/\u007f é 🏀 \u2028';
const AWKWARD_AS_JSON = `"ops \\"quoted\\" \\\\ back\\nline\\ttab\\r\\b\\f\\u0001\\u001f/\u007f é 🏀 \u2028"`;

/** An admin_override row written straight into the table, with everything but its ids known in advance. */
async function writeRow(club: Club, ts: string) {
  const playerId = await createPlayer(db().pool, club);
  const id = await db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
    INSERT INTO contract_audit_log (tenant_id, player_id, ts, event_type, old_state, new_state, actor, source, reason)
    VALUES (
      ${club.id}, ${playerId}, ${ts}::timestamptz, 'admin_override',
      '{"b": 1, "aa": [1, 2], "a": "x"}', '{"b": 2.50, "é": null}', ${AWKWARD}, 'ops_console', ${AWKWARD}
    )
    RETURNING id
  `);
  return { id, playerId };
}

const contentOf = (club: Club, id: bigint) =>
  db().pool.oneFirst(sql.type(z.object({ content: z.string() }))`
    SELECT contract_audit_log_content(contract_audit_log) AS content FROM contract_audit_log
    WHERE tenant_id = ${club.id} AND id = ${id}
  `);

test('is the text of a jsonb object of the documented keys, in jsonb key order, strings escaped as documented', async (t) => {
  const club = await createClub(db().pool);
  const { id, playerId } = await writeRow(club, '2026-01-31 19:00:00.123456+01');

  t.is(
    await contentOf(club, id),
    `{"id": ${id}, "ts": "2026-01-31T18:00:00.123456Z", "actor": ${AWKWARD_AS_JSON}, "reason": ${AWKWARD_AS_JSON}, ` +
      `"source": "ops_console", "new_state": {"b": 2.50, "é": null}, "old_state": {"a": "x", "b": 1, "aa": [1, 2]}, ` +
      `"player_id": ${playerId}, "tenant_id": ${club.id}, "event_type": "admin_override"}`,
  );
});

test('ts always has six decimals and reason is null when the row has none; the session’s time zone and date style change nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const content = await db().pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SET LOCAL TIME ZONE 'Pacific/Chatham'`);
    await tx.query(sql.unsafe`SET LOCAL DateStyle = 'SQL, DMY'`);
    return tx.oneFirst(sql.type(z.object({ content: z.string() }))`
      INSERT INTO contract_audit_log (tenant_id, player_id, ts, event_type, old_state, new_state, source)
      VALUES (${club.id}, ${playerId}, '2026-01-31T18:00:00Z', 'decline', '{}', '[]', 'family_link')
      RETURNING contract_audit_log_content(contract_audit_log) AS content
    `);
  });

  t.regex(content, /^\{"id": \d+, "ts": "2026-01-31T18:00:00\.000000Z", "actor": "admin", "reason": null, "source": "family_link", /);
  t.regex(content, /"new_state": \[\], "old_state": \{\}, /);
});

test('the verifier builds the same text in Node from the row’s columns (src/contracts/audit-chain.ts)', async (t) => {
  const club = await createClub(db().pool);
  const { id } = await writeRow(club, '1999-12-31 23:59:59.999999+00');
  const row = await db().pool.one(sql.type(
    z.object({
      player_id: z.number(),
      ts_micros: z.bigint(),
      old_state: z.string(),
      new_state: z.string(),
      actor: z.string(),
      source: z.string(),
      event_type: z.string(),
      reason: z.string().nullable(),
    }),
  )`
    SELECT player_id, (extract(epoch FROM ts) * 1000000)::bigint AS ts_micros, old_state::text AS old_state,
           new_state::text AS new_state, actor, source, event_type, reason
    FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${id}
  `);

  const inNode = canonicalContent({
    tenantId: club.id,
    id,
    tsMicros: row.ts_micros,
    playerId: row.player_id,
    eventType: row.event_type,
    oldState: row.old_state,
    newState: row.new_state,
    actor: row.actor,
    source: row.source,
    reason: row.reason,
  });

  t.is(inNode, await contentOf(club, id));
  t.true(inNode.includes('"ts": "1999-12-31T23:59:59.999999Z"'));
});
