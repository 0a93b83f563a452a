-- The worker's first step with a queued message, in one call: whatever it needs to write the mail,
-- or no row when there is nothing to send. A message already sent, failed or skipped is done. An
-- offer or a reminder whose link is no longer the player's open offer (a newer offer replaced it,
-- or the family answered) is marked skipped and never sent. Otherwise the attempt is counted.
-- club_contact_email is the Reply-To of the message; club_time_zone the zone its times are shown in.
CREATE OR REPLACE FUNCTION begin_contract_message(p_tenant_id integer, p_message_id bigint) RETURNS TABLE (
  kind text,
  recipient text,
  message_id uuid,
  club_name text,
  club_contact_email text,
  club_time_zone text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_token text,
  contract_offered_at timestamptz,
  replaces_earlier_offer boolean,
  outcome text,
  signed_by text,
  answered_at timestamptz,
  contract_version text
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  message contract_messages;
  club tenants;
  player players;
  confirmed jsonb;
  team_ids integer[];
BEGIN
  SELECT * INTO message FROM contract_messages
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id
  FOR UPDATE;
  IF NOT FOUND OR message.status <> 'queued' THEN
    RETURN;
  END IF;
  SELECT * INTO player FROM players WHERE players.tenant_id = p_tenant_id AND players.id = message.player_id;

  IF message.kind <> 'confirmation' AND (
    player.contract_status IS DISTINCT FROM 'offered'
    OR sha256(convert_to(player.contract_token, 'UTF8')) IS DISTINCT FROM message.contract_token_sha256
  ) THEN
    UPDATE contract_messages SET status = 'skipped', last_error = CASE
        WHEN player.contract_status = 'offered' THEN 'a newer offer replaced its link before it left'
        ELSE 'the offer was answered before it left'
      END
    WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
    RETURN;
  END IF;

  UPDATE contract_messages SET attempts = contract_messages.attempts + 1
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
  -- A confirmation tells what the audit row recorded, whatever happened to the player since.
  SELECT new_state INTO confirmed FROM contract_audit_log
  WHERE contract_audit_log.tenant_id = p_tenant_id AND contract_audit_log.id = message.audit_id;
  -- The club as it is now: its name, whom families ask (the Reply-To) and the zone of the times shown.
  SELECT * INTO club FROM tenants WHERE tenants.id = p_tenant_id;
  team_ids := CASE
    WHEN confirmed IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(confirmed->'team_ids')::integer)
    ELSE player_team_ids(p_tenant_id, player.id)
  END;

  RETURN QUERY SELECT
    message.kind,
    message.recipient,
    message.message_id,
    club.name,
    club.contact_email,
    club.time_zone,
    player.name,
    ARRAY(SELECT teams.name FROM teams WHERE teams.tenant_id = p_tenant_id AND teams.id = ANY (team_ids) ORDER BY teams.name),
    coalesce((confirmed->>'monthly_fee')::integer, player.monthly_fee),
    coalesce(confirmed->>'contract_token', player.contract_token),
    player.contract_offered_at,
    EXISTS (
      SELECT 1 FROM superseded_contract_tokens
      WHERE superseded_contract_tokens.tenant_id = p_tenant_id AND superseded_contract_tokens.player_id = player.id
    ),
    confirmed->>'contract_status',
    confirmed->>'contract_signed_by',
    coalesce((confirmed->>'contract_signed_at')::timestamptz, (confirmed->>'contract_declined_at')::timestamptz),
    confirmed->>'contract_version';
END;
$$;
