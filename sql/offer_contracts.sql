-- POST /admin/contract/offers (docs/PRODUCT.md, "The season at once"): many OFFERs in one call, in
-- the order given. Each is offer_contract_with_signers's whole transition — its rules, signers, e-mail and audit
-- row — in a subtransaction of its own, so a refusal (the machine's refusals of OFFER, an unknown
-- player or team) rolls back that player's offer alone and is answered in its place; any other
-- error fails the whole call. p_offers is `[{player_id, monthly_fee, target_team_id, allowed_from}]`,
-- allowed_from being the service machine's judgement for that row's event.
--
-- An Idempotency-Key covers the whole request: a retry answers the first results and offers nothing
-- twice. The caller runs a dry run as this very call in a transaction it rolls back.
CREATE OR REPLACE FUNCTION offer_contracts(
  p_tenant_id integer,
  p_offers jsonb,
  p_force boolean,
  p_actor text,
  p_source text,
  p_idempotency idempotency_claim DEFAULT NULL
) RETURNS TABLE (replayed boolean, results jsonb)
LANGUAGE plpgsql
AS $$
DECLARE
  replay jsonb := claim_idempotency_key(p_tenant_id, p_idempotency);
  item jsonb;
  outcome offer_contract_with_signers_outcome;
  answered jsonb[] := '{}';
  refused text;
BEGIN
  IF replay IS NOT NULL THEN
    RETURN QUERY SELECT true, replay->'results';
    RETURN;
  END IF;
  FOR item IN SELECT value FROM jsonb_array_elements(p_offers) LOOP
    BEGIN
      SELECT * INTO outcome FROM offer_contract_with_signers(
        p_tenant_id,
        (item->>'player_id')::integer,
        (item->>'monthly_fee')::integer,
        (item->>'target_team_id')::integer,
        p_force,
        ARRAY(SELECT jsonb_array_elements_text(item->'allowed_from')),
        p_actor,
        p_source
      );
      answered := answered || jsonb_build_object('player_id', item->'player_id', 'outcome', to_jsonb(outcome));
    EXCEPTION WHEN OTHERS THEN
      refused := SQLSTATE;
      IF refused NOT IN ('UNKPL', 'UNKTM')
        AND NOT EXISTS (SELECT 1 FROM contract_refusals WHERE contract_refusals.event = 'OFFER' AND contract_refusals.sqlstate = refused) THEN
        RAISE;
      END IF;
      answered := answered || jsonb_build_object('player_id', item->'player_id', 'sqlstate', refused);
    END;
  END LOOP;
  -- Kept as an object, as every write's outcome is: a replay marks it `replayed`.
  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, jsonb_build_object('results', to_jsonb(answered)));
  RETURN QUERY SELECT false, to_jsonb(answered);
END;
$$;
