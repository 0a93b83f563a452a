-- The job queue of one endpoint's deliveries: graphile-worker runs one job of a queue at a time, so
-- an endpoint that hangs ties up one worker at most, never another endpoint's deliveries.
CREATE OR REPLACE FUNCTION webhook_queue_name(p_tenant_id integer, p_endpoint_id integer) RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT 'webhook-endpoint:' || p_tenant_id || ':' || p_endpoint_id;
$$;
