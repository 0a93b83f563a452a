-- A signed contract's receipt PDF (docs/RECEIPTS.md), recorded once: the PDF kept in
-- contract_receipts and its sha256 in a `receipt` audit row (no transition: the contract stays
-- as it is), chained like every row, right after the `sign` row p_sign_audit_id it is the receipt
-- of. Whoever renders first records it (the worker sending the confirmation, or a family's
-- GET …/receipt.pdf before that); under the player's row lock, a second caller finds the first's
-- and gets its answer, so there is one receipt row per signed contract. Answers the receipt's
-- audit row, its sha256 and whether this call recorded it.
CREATE OR REPLACE FUNCTION record_contract_receipt(
  p_tenant_id integer,
  p_player_id integer,
  p_sign_audit_id bigint,
  p_sha256 bytea,
  p_pdf bytea,
  p_actor text,
  p_source text
) RETURNS TABLE (audit_id bigint, sha256 bytea, recorded boolean)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  signed jsonb;
  receipt_audit_id bigint;
BEGIN
  PERFORM 1 FROM players WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id FOR UPDATE;
  RETURN QUERY
  SELECT receipts.audit_id, receipts.sha256, false FROM contract_receipts AS receipts
  WHERE receipts.tenant_id = p_tenant_id AND receipts.player_id = p_player_id AND receipts.sign_audit_id = p_sign_audit_id;
  IF FOUND THEN
    RETURN;
  END IF;
  IF sha256(p_pdf) <> p_sha256 THEN
    RAISE EXCEPTION 'the receipt''s sha256 is not that of its PDF';
  END IF;
  SELECT new_state INTO signed FROM contract_audit_log
  WHERE contract_audit_log.tenant_id = p_tenant_id AND contract_audit_log.player_id = p_player_id
    AND contract_audit_log.id = p_sign_audit_id AND contract_audit_log.event_type = 'sign';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no sign audit row % of player % to record a receipt of', p_sign_audit_id, p_player_id;
  END IF;
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
  VALUES (
    p_tenant_id, p_player_id, 'receipt', signed,
    signed || jsonb_build_object('receipt_sha256', encode(p_sha256, 'hex'), 'receipt_of_audit_id', p_sign_audit_id),
    p_actor, p_source
  )
  RETURNING contract_audit_log.id INTO receipt_audit_id;
  INSERT INTO contract_receipts (tenant_id, player_id, sign_audit_id, audit_id, sha256, pdf)
  VALUES (p_tenant_id, p_player_id, p_sign_audit_id, receipt_audit_id, p_sha256, p_pdf);
  RETURN QUERY SELECT receipt_audit_id, p_sha256, true;
END;
$$;
