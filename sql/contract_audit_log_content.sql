-- What an audit row's hash covers (docs/PRODUCT.md, "Audit log"; README, "Tamper evidence"): the
-- text of this jsonb object, taken as UTF-8. jsonb's text form is canonical, so anyone can rebuild
-- it outside the database (src/contracts/audit-chain.ts does, in Node):
--   - the ten keys below and no others (not the hashes themselves), ordered as jsonb orders keys:
--     shorter first, equal lengths by their bytes — id, ts, actor, reason, source, new_state,
--     old_state, player_id, tenant_id, event_type;
--   - `{`, then `"key": value` joined by `, `, then `}` (one space after each colon and comma);
--   - numbers in decimal, reason null when the row has none;
--   - strings in double quotes with `"` and `\` escaped by a backslash, backspace, form feed, line
--     feed, carriage return and tab as \b \f \n \r \t, other characters below U+0020 as \u00XX
--     (lower-case hex), everything else as it is (UTF-8, no \u escapes);
--   - ts in UTC with microseconds: 2026-01-31T18:00:00.123456Z;
--   - old_state and new_state as their own jsonb text (`old_state::text`), which follows the same
--     rules all the way down (arrays as `[1, 2]`).
-- A column added to contract_audit_log later enters the hash only by a new version of this rule,
-- announced like any change to it: verifiers must know which rule a row was hashed by.
CREATE OR REPLACE FUNCTION contract_audit_log_content(p_row contract_audit_log) RETURNS text
LANGUAGE sql
STABLE
AS $$
  SELECT jsonb_build_object(
    'tenant_id', p_row.tenant_id,
    'id', p_row.id,
    'ts', to_char(p_row.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'player_id', p_row.player_id,
    'event_type', p_row.event_type,
    'old_state', p_row.old_state,
    'new_state', p_row.new_state,
    'actor', p_row.actor,
    'source', p_row.source,
    'reason', p_row.reason
  )::text;
$$;
