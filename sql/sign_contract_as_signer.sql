-- SIGN (docs/PRODUCT.md, "The state machine" and "Who signs"), by one signer through their own
-- link, in one call. Under the player's row lock: a signer who has signed this open offer already is
-- refused (CTSGY); then contract_transition applies the service machine's judgement (p_allowed_from)
-- and the rules with the context's pendingSigners, the signers the contract would still need after
-- this signature. The signature and its evidence (typed name, time, IP, user agent, consent to sign
-- electronically, the disclosure and the terms shown) go on the signer's row either way. The terms
-- shown are the translation into p_terms_language when the version has one (docs/LANGUAGES.md),
-- else its own text: the signer's row records that text's sha256 and language.
--
-- While a required signer is pending (guard moreSignersPending) the contract stays offered: one
-- `signature` audit row, and a note to this signer that their signature is recorded. The signature
-- that completes the contract signs it: the player's contract_signed_* columns take that
-- signature, one `sign` audit row, a confirmation to every signer, and the offer's reminders go.
-- Answers the contract as the link now shows it, with the link's signer and every signer.
CREATE OR REPLACE FUNCTION sign_contract_as_signer(
  p_token text,
  p_signed_by text,
  p_signature_url text,
  p_signed_ip inet,
  p_contract_version text,
  p_allowed_from text[],
  p_esign_consent boolean,
  p_disclosure_version text,
  p_disclosure_sha256 bytea,
  p_user_agent text,
  p_terms_language text DEFAULT NULL
) RETURNS TABLE (
  tenant_id integer,
  player_id integer,
  audit_id bigint,
  previous_status text,
  contract_status text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_version text,
  club_name text,
  terms_version integer,
  terms_title text,
  terms_sha256 bytea,
  terms_body text,
  signer_id integer,
  signers jsonb
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players := lock_offered_contract(p_token);
  team_ids integer[] := team_ids_of_player(before.tenant_id, before.id);
  old_state jsonb := snapshot_contract(before, team_ids);
  signer contract_signers;
  pending integer;
  rule contract_transitions;
  after players := before;
  answer_audit_id bigint;
  recipient contract_signers;
  shown_sha256 bytea;
  shown_language text;
BEGIN
  SELECT * INTO signer FROM contract_signers
  WHERE contract_signers.tenant_id = before.tenant_id AND contract_signers.token = p_token;
  IF before.contract_status = 'offered' AND signer.status = 'signed' THEN
    RAISE EXCEPTION 'already_signed_by_you: this signer has signed the open offer' USING ERRCODE = 'CTSGY';
  END IF;
  pending := CASE
    WHEN signer.id IS NULL OR signer.completes THEN 0
    ELSE (
      SELECT count(*) FROM contract_signers AS other
      WHERE other.tenant_id = before.tenant_id AND other.player_id = before.id
        AND other.status = 'pending' AND other.id <> signer.id
    )
  END;
  rule := contract_transition(before.contract_status, '{"type": "SIGN"}', jsonb_build_object('pendingSigners', pending), p_allowed_from);

  SELECT coalesce(translation.sha256, terms.sha256), coalesce(translation.language, terms.language)
  INTO shown_sha256, shown_language
  FROM contract_terms AS terms
  LEFT JOIN contract_terms_translations AS translation
    ON translation.tenant_id = terms.tenant_id AND translation.version = terms.version AND translation.language = p_terms_language
  WHERE terms.tenant_id = before.tenant_id AND terms.version = before.contract_terms_version;
  signer := signer_of_link(before, p_token);
  UPDATE contract_signers SET
    status = 'signed',
    answered_at = now(),
    signed_by = p_signed_by,
    signed_ip = p_signed_ip,
    user_agent = p_user_agent,
    esign_consent = p_esign_consent,
    disclosure_version = p_disclosure_version,
    disclosure_sha256 = p_disclosure_sha256,
    terms_version = before.contract_terms_version,
    terms_sha256 = shown_sha256,
    terms_language = shown_language,
    -- The language they signed in is theirs from now on: their confirmation and receipt speak it.
    language = coalesce(p_terms_language, contract_signers.language),
    contract_version = p_contract_version,
    signature_url = p_signature_url
  WHERE contract_signers.tenant_id = signer.tenant_id AND contract_signers.id = signer.id;

  IF rule.to_status <> before.contract_status THEN
    PERFORM permit_contract_write(before.tenant_id, before.id, 'SIGN');
    UPDATE players SET
      contract_status = rule.to_status,
      contract_signed_at = now(),
      contract_signed_by = p_signed_by,
      contract_signed_ip = p_signed_ip,
      contract_signature_url = p_signature_url,
      contract_version = p_contract_version,
      contract_esign_consent = p_esign_consent,
      contract_disclosure_version = p_disclosure_version,
      contract_disclosure_sha256 = p_disclosure_sha256,
      contract_signed_user_agent = p_user_agent
    WHERE players.tenant_id = before.tenant_id AND players.id = before.id
    RETURNING * INTO after;
  END IF;

  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (before.tenant_id, before.id, rule.audit_event, old_state, snapshot_contract(after, team_ids), 'family', 'family_link')
  RETURNING contract_audit_log.id INTO answer_audit_id;
  PERFORM queue_contract_event('SIGN', rule.audit_event, after, before.contract_status, answer_audit_id, team_ids);

  IF after.contract_status = 'signed' THEN
    FOR recipient IN
      SELECT * FROM contract_signers
      WHERE contract_signers.tenant_id = before.tenant_id AND contract_signers.player_id = before.id
      ORDER BY contract_signers.position
    LOOP
      PERFORM queue_signer_message(before.tenant_id, before.id, 'confirmation', NULL, answer_audit_id, recipient, before.email);
    END LOOP;
    -- The contract is answered: no automatic reminder of this offer is due any more.
    PERFORM graphile_worker.remove_job(contract_reminder_job_key(before.tenant_id, before.id));
  ELSE
    PERFORM queue_signer_message(before.tenant_id, before.id, 'confirmation', NULL, answer_audit_id, signer, before.email);
  END IF;
  RETURN QUERY
  SELECT before.tenant_id, before.id, answer_audit_id, answer.*, signer.id, list_contract_signers(after)
  FROM family_answer(before, after) AS answer;
END;
$$;
