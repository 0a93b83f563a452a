-- The family's e-mail budget (docs/PRODUCT.md, "E-mail"): the offers and reminders an admin's
-- requests send reach one address of a club at most p_per_hour times in any hour, and at most twice
-- in any p_spacing, so an offer and one quick correction leave at once while further corrections
-- wait and go as one mail with the newest link. The worker calls this in the transaction that begins
-- a message's first attempt (src/mail/contract-messages.ts): NULL records the send and lets it go
-- now; a time means "not before then", records nothing, and the caller rolls the attempt back.
-- A confirmation is the family's own doing and is never held; a retry was counted at its first try.
-- The budget row's lock makes two messages to one address take turns, so neither overtakes the rule.
CREATE OR REPLACE FUNCTION claim_family_mail(
  p_tenant_id integer,
  p_message_id bigint,
  p_per_hour integer,
  p_spacing interval
) RETURNS timestamptz
LANGUAGE plpgsql
AS $$
DECLARE
  message contract_messages;
  address bytea;
  recent timestamptz[];
  sends integer;
  allowed_at timestamptz;
BEGIN
  SELECT * INTO message FROM contract_messages
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
  IF NOT FOUND OR message.kind = 'confirmation' OR message.attempts > 1 THEN
    RETURN NULL;
  END IF;

  address := sha256(convert_to(lower(message.recipient), 'UTF8'));
  INSERT INTO family_mail_budgets (tenant_id, address_sha256) VALUES (p_tenant_id, address)
  ON CONFLICT (tenant_id, address_sha256) DO NOTHING;
  SELECT ARRAY(
    SELECT sent FROM unnest(budgets.sent_at) AS sent
    WHERE sent > now() - greatest(interval '1 hour', p_spacing) ORDER BY sent
  ) INTO recent
  FROM family_mail_budgets AS budgets
  WHERE budgets.tenant_id = p_tenant_id AND budgets.address_sha256 = address
  FOR UPDATE;

  sends := cardinality(recent);
  allowed_at := greatest(
    CASE WHEN sends >= p_per_hour THEN recent[sends - p_per_hour + 1] + interval '1 hour' END,
    CASE WHEN sends >= 2 THEN recent[sends - 1] + p_spacing END
  );
  IF allowed_at > now() THEN
    RETURN allowed_at;
  END IF;

  UPDATE family_mail_budgets SET sent_at = recent || now()
  WHERE family_mail_budgets.tenant_id = p_tenant_id AND family_mail_budgets.address_sha256 = address;
  RETURN NULL;
END;
$$;
