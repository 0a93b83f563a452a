-- The contract rules bind every writer of players, not only the service. Contract columns
-- are monthly_fee and every contract_* column (so a new one is covered without a new trigger).
--
-- A new player starts in the machine's initial state with no contract. A contract column changes
-- only under the pass that permit_contract_write sets for that very row, and then only along a
-- transition of contract_transitions (the machine's, installed by `npm run db:sync`) for the
-- pass's event. The `override` pass, which only override_contract takes, is the one way round the
-- transitions, and that function writes an admin_override audit row with a reason. Other columns
-- (name, email) and deleting a player are not this trigger's business.
--
-- Threat model: this stops every ordinary hand-written INSERT or UPDATE — a support script, a
-- migration, an administrator "fixing" a row — and a contract function that strays from the
-- machine. It does not stop someone set on getting round it: the table's owner or a superuser can
-- disable or drop the trigger, and any session can forge the pass with set_config. Those are
-- deliberate acts, not slips; override_contract is the way that leaves a trace.
CREATE OR REPLACE FUNCTION players_contract_rules() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  changed text[];
  pass text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    changed := ARRAY(
      SELECT key FROM jsonb_each(to_jsonb(NEW))
      WHERE (key = 'monthly_fee' OR key LIKE 'contract\_%') AND key <> 'contract_status' AND value <> 'null'
      ORDER BY key
    );
    IF cardinality(changed) > 0 OR NOT EXISTS (
      SELECT 1 FROM contract_statuses WHERE contract_statuses.status = NEW.contract_status AND contract_statuses.initial
    ) THEN
      RAISE EXCEPTION 'a new player starts with no contract (given: contract_status %, %)',
          NEW.contract_status, coalesce(nullif(array_to_string(changed, ', '), ''), 'no other contract column')
        USING ERRCODE = 'CTRAW',
              HINT = 'Insert the player alone, then offer a contract with offer_contract.';
    END IF;
    RETURN NEW;
  END IF;

  -- A pass for this very row is checked first: the contract function that set it changes contract
  -- columns by definition, so comparing every column (the costly part) is needed only without one.
  pass := string_to_array(current_setting('club_contracts.transition', true), '/');
  IF pass[2] IS DISTINCT FROM OLD.tenant_id::text OR pass[3] IS DISTINCT FROM OLD.id::text THEN
    changed := ARRAY(
      SELECT after.key
      FROM jsonb_each(to_jsonb(NEW)) AS after JOIN jsonb_each(to_jsonb(OLD)) AS before ON before.key = after.key
      WHERE (after.key = 'monthly_fee' OR after.key LIKE 'contract\_%') AND after.value IS DISTINCT FROM before.value
      ORDER BY after.key
    );
    IF cardinality(changed) = 0 THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'player %: % may change only through the contract functions', OLD.id, array_to_string(changed, ', ')
      USING ERRCODE = 'CTRAW',
            HINT = 'offer_contract, sign_contract and decline_contract carry out the contract machine''s '
                   'transitions; to repair a row, call override_contract(tenant_id, player_id, changes, reason, actor).';
  END IF;
  PERFORM set_config('club_contracts.transition', '', true);

  IF pass[1] <> 'override' AND NOT EXISTS (
    SELECT 1 FROM contract_transitions
    WHERE contract_transitions.from_status = OLD.contract_status
      AND contract_transitions.event = pass[1]
      AND contract_transitions.to_status = NEW.contract_status
  ) THEN
    RAISE EXCEPTION 'player %: % does not lead from % to % in the contract machine',
        OLD.id, pass[1], OLD.contract_status, NEW.contract_status
      USING ERRCODE = 'CTTRN';
  END IF;
  -- The machine's guard moreSignersPending keeps a SIGN from leaving `offered` while a signer the
  -- contract needs has not signed, whoever writes the row (docs/PRODUCT.md, "Who signs").
  IF pass[1] = 'SIGN' AND NEW.contract_status IS DISTINCT FROM OLD.contract_status
    AND contract_guard_more_signers_pending(
      jsonb_build_object('pendingSigners', contract_pending_signers(OLD.tenant_id, OLD.id)), '{"type": "SIGN"}'
    ) THEN
    RAISE EXCEPTION 'player %: SIGN cannot complete the contract while % signer(s) it needs are pending',
        OLD.id, contract_pending_signers(OLD.tenant_id, OLD.id)
      USING ERRCODE = 'CTTRN';
  END IF;
  RETURN NEW;
END;
$$;
