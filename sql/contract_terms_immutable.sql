-- Keeps contract_terms immutable, like the audit log: a family signed exactly the text a version
-- holds, so no version may change or disappear. A club's terms leave only with the club (the
-- ON DELETE CASCADE from tenants runs after the tenant row is gone).
CREATE OR REPLACE FUNCTION contract_terms_immutable() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM tenants WHERE tenants.id = OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'contract_terms are immutable: % refused', TG_OP
    USING ERRCODE = 'TRMRO',
          HINT = 'Publish a new version with create_contract_terms; offers pin the newest.';
END;
$$;
