-- The worker's first step with a queued message, in one call: whatever it needs to write the mail,
-- or no row when there is nothing to send. A message already sent, failed or skipped is done. An
-- offer or a reminder whose link no longer opens the player's open offer (a newer offer replaced
-- it, or the contract was answered), or whose signer has answered, is marked skipped and never
-- sent. Otherwise the attempt is counted.
--
-- The message is its signer's (docs/PRODUCT.md, "Who signs"): contract_token is that signer's link.
-- A confirmation tells what its audit row recorded, whatever happened to the player since: the
-- outcome (signed, declined, offered for a signature that waits for others, withdrawn, expired),
-- who signed, when, the signers still awaited, and who declined when it was another signer. An offer that replaced a signed contract (a tier
-- change) names the teams and fee of the contract it voids. club_contact_email is the Reply-To of
-- the message; club_time_zone the zone its times are shown in; language the one it is written in.
CREATE OR REPLACE FUNCTION begin_signer_message(p_tenant_id integer, p_message_id bigint) RETURNS TABLE (
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
  contract_version text,
  signer_name text,
  signer_role text,
  awaited_signers text[],
  terms_title text,
  terms_version integer,
  voided_team_names text[],
  voided_monthly_fee integer,
  declined_by text,
  language text
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  message contract_messages;
  club tenants;
  player players;
  signer contract_signers;
  confirmed jsonb;
  confirmed_at timestamptz;
  signature jsonb;
  voided jsonb;
  team_ids integer[];
BEGIN
  SELECT * INTO message FROM contract_messages
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id
  FOR UPDATE;
  IF NOT FOUND OR message.status <> 'queued' THEN
    RETURN;
  END IF;
  SELECT * INTO player FROM players WHERE players.tenant_id = p_tenant_id AND players.id = message.player_id;
  SELECT * INTO signer FROM contract_signers
  WHERE contract_signers.tenant_id = p_tenant_id AND contract_signers.id = message.signer_id;

  IF message.kind <> 'confirmation' AND (
    NOT offer_link_current(player, message.contract_token_sha256) OR coalesce(signer.status, 'pending') <> 'pending'
  ) THEN
    UPDATE contract_messages SET status = 'skipped', last_error = CASE
        WHEN player.contract_status = 'offered' AND signer.status = 'signed' THEN 'the signer signed before it left'
        WHEN player.contract_status = 'offered' THEN 'a newer offer replaced its link before it left'
        ELSE 'the offer was answered before it left'
      END
    WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
    RETURN;
  END IF;

  UPDATE contract_messages SET attempts = contract_messages.attempts + 1
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
  SELECT new_state, ts INTO confirmed, confirmed_at FROM contract_audit_log
  WHERE contract_audit_log.tenant_id = p_tenant_id AND contract_audit_log.id = message.audit_id;
  SELECT value INTO signature FROM jsonb_array_elements(confirmed->'signatures')
  WHERE (value->>'signer_id')::integer = message.signer_id;
  IF message.kind = 'offer' THEN
    SELECT old_state INTO voided FROM contract_audit_log
    WHERE contract_audit_log.tenant_id = p_tenant_id AND contract_audit_log.player_id = player.id
      AND contract_audit_log.event_type = 'tier_change' AND contract_audit_log.new_state->>'contract_token' = player.contract_token
    ORDER BY contract_audit_log.id DESC
    LIMIT 1;
  END IF;
  -- The club as it is now: its name, whom families ask (the Reply-To) and the zone of the times shown.
  SELECT * INTO club FROM tenants WHERE tenants.id = p_tenant_id;
  team_ids := CASE
    WHEN confirmed IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(confirmed->'team_ids')::integer)
    ELSE team_ids_of_player(p_tenant_id, player.id)
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
    coalesce(signer.token, confirmed->>'contract_token', player.contract_token),
    player.contract_offered_at,
    -- The player held a link before: every token minted stays routed to its player, so one the
    -- player holds no more was replaced; until no release that records replaced tokens in
    -- superseded_contract_tokens runs any more (docs/OPERATING.md), those count too.
    EXISTS (
      SELECT 1 FROM contract_links AS link
      WHERE link.tenant_id = p_tenant_id AND link.player_id = player.id AND link.token IS DISTINCT FROM player.contract_token
        AND NOT EXISTS (
          SELECT 1 FROM contract_signers AS holder
          WHERE holder.tenant_id = p_tenant_id AND holder.token = link.token AND holder.player_id = player.id
        )
    ) OR EXISTS (
      SELECT 1 FROM superseded_contract_tokens
      WHERE superseded_contract_tokens.tenant_id = p_tenant_id AND superseded_contract_tokens.player_id = player.id
    ),
    confirmed->>'contract_status',
    coalesce(confirmed->>'contract_signed_by', signature->>'signed_by'),
    coalesce(
      (confirmed->>'contract_signed_at')::timestamptz,
      (confirmed->>'contract_declined_at')::timestamptz,
      (signature->>'signed_at')::timestamptz,
      confirmed_at
    ),
    confirmed->>'contract_version',
    message.signer_name,
    message.signer_role,
    ARRAY(
      SELECT awaited.name FROM contract_signers AS awaited
      WHERE awaited.tenant_id = p_tenant_id AND awaited.player_id = player.id AND awaited.status = 'pending'
        AND confirmed->>'contract_status' = 'offered'
      ORDER BY awaited.position
    ),
    terms.title,
    terms.version,
    CASE WHEN voided IS NOT NULL THEN ARRAY(
      SELECT teams.name FROM teams
      WHERE teams.tenant_id = p_tenant_id AND teams.id IN (SELECT jsonb_array_elements_text(voided->'team_ids')::integer)
      ORDER BY teams.name
    ) END,
    (voided->>'monthly_fee')::integer,
    (
      SELECT decliner.name FROM contract_signers AS decliner
      WHERE decliner.tenant_id = p_tenant_id AND decliner.player_id = player.id AND decliner.status = 'declined'
        AND decliner.id IS DISTINCT FROM message.signer_id AND confirmed->>'contract_status' = 'declined'
    ),
    -- The signer's language, else the club's (docs/LANGUAGES.md); a player who signs an offer made
    -- before signers existed has the player's.
    coalesce(signer.language, CASE WHEN message.signer_id IS NULL THEN player.language END, club.default_language)
  FROM (SELECT) AS one
  LEFT JOIN contract_terms AS terms
    ON terms.tenant_id = p_tenant_id
    AND terms.version = coalesce((confirmed->>'contract_terms_version')::integer, player.contract_terms_version);
END;
$$;
