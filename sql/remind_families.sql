-- POST /admin/contracts/remind: a reminder to each family named (or, with no ids, to every family
-- of the club with an open offer), in one call. Each player gets a reminder, or the reason it is
-- skipped: player_not_found (also another club's), not_offered, reminded_recently. The reminder goes
-- to each signer still pending (docs/PRODUCT.md, "Who signs") who has had no message queued or sent
-- within the last hour; a player all of whose pending signers had one is reminded_recently. A dry run
-- answers the same and queues nothing.
CREATE OR REPLACE FUNCTION remind_families(p_tenant_id integer, p_player_ids integer[], p_dry_run boolean)
RETURNS TABLE (player_id integer, skipped_because text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  candidate record;
  due record;
  reason text;
BEGIN
  FOR candidate IN
    SELECT requested.id AS requested_id, players.id AS found_id, players.contract_status, players.email, players.contract_token
    FROM (
      SELECT asked.id, min(asked.position) AS position FROM unnest(p_player_ids) WITH ORDINALITY AS asked (id, position)
      WHERE p_player_ids IS NOT NULL
      GROUP BY asked.id
      UNION ALL
      SELECT players.id, players.id FROM players
      WHERE p_player_ids IS NULL AND players.tenant_id = p_tenant_id AND players.contract_status = 'offered'
    ) AS requested
    LEFT JOIN players ON players.tenant_id = p_tenant_id AND players.id = requested.id
    ORDER BY requested.position
  LOOP
    reason := CASE
      WHEN candidate.found_id IS NULL THEN 'player_not_found'
      WHEN candidate.contract_status <> 'offered' THEN 'not_offered'
      ELSE 'reminded_recently'
    END;
    IF candidate.contract_status = 'offered' THEN
      -- The pending signers, or the one signer of an offer made before signers existed.
      FOR due IN
        SELECT signer AS row, signer.id AS signer_id, signer.token
        FROM contract_signers AS signer
        WHERE signer.tenant_id = p_tenant_id AND signer.player_id = candidate.found_id AND signer.status = 'pending'
        UNION ALL
        SELECT NULL::contract_signers, NULL::integer, candidate.contract_token
        WHERE NOT EXISTS (
          SELECT 1 FROM contract_signers AS signer WHERE signer.tenant_id = p_tenant_id AND signer.player_id = candidate.found_id
        )
      LOOP
        CONTINUE WHEN EXISTS (
          SELECT 1 FROM contract_messages
          WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.player_id = candidate.found_id
            AND contract_messages.signer_id IS NOT DISTINCT FROM due.signer_id
            AND contract_messages.status IN ('queued', 'sent') AND contract_messages.created_at > now() - interval '1 hour'
        );
        reason := NULL;
        IF NOT p_dry_run THEN
          PERFORM queue_signer_message(p_tenant_id, candidate.found_id, 'reminder', due.token, NULL, due.row, candidate.email);
        END IF;
      END LOOP;
    END IF;
    RETURN QUERY SELECT candidate.requested_id, reason;
  END LOOP;
END;
$$;
