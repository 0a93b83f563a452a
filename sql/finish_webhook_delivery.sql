-- Records one delivery attempt (docs/WEBHOOKS.md, "Delivery") and what follows from it, in one
-- transaction. An answer in 2xx: delivered, and the endpoint is no longer failing. Anything else
-- (p_error says what): the attempt and its reason are kept; with p_retry_after the delivery waits that
-- long for its next attempt, in a job on the endpoint's queue; without, it has failed for good. An endpoint
-- whose attempts have failed for p_disable_after with no success between is disabled, saying why,
-- and its deliveries still waiting fail with it: re-enabling it starts from the next event.
-- Returns whether this attempt disabled the endpoint.
CREATE OR REPLACE FUNCTION finish_webhook_delivery(
  p_tenant_id integer,
  p_delivery_id integer,
  p_response_status integer,
  p_error text,
  p_retry_after interval,
  p_disable_after interval
) RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  retry_at timestamptz := now() + p_retry_after;
  delivery webhook_deliveries;
  endpoint webhook_endpoints;
BEGIN
  IF p_error IS NULL THEN
    UPDATE webhook_deliveries SET
      status = 'delivered', attempt = attempt + 1, response_status = p_response_status, error = NULL,
      delivered_at = now(), next_attempt_at = NULL
    WHERE webhook_deliveries.tenant_id = p_tenant_id AND webhook_deliveries.id = p_delivery_id
      AND webhook_deliveries.status = 'pending'
    RETURNING * INTO delivery;
    UPDATE webhook_endpoints SET failing_since = NULL
    WHERE webhook_endpoints.tenant_id = p_tenant_id AND webhook_endpoints.id = delivery.endpoint_id;
    RETURN false;
  END IF;

  UPDATE webhook_deliveries SET
    status = CASE WHEN retry_at IS NULL THEN 'failed' ELSE 'pending' END,
    attempt = attempt + 1, response_status = p_response_status, error = p_error, next_attempt_at = retry_at
  WHERE webhook_deliveries.tenant_id = p_tenant_id AND webhook_deliveries.id = p_delivery_id
    AND webhook_deliveries.status = 'pending'
  RETURNING * INTO delivery;
  IF NOT FOUND THEN
    RETURN false;
  END IF;

  UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now())
  WHERE webhook_endpoints.tenant_id = p_tenant_id AND webhook_endpoints.id = delivery.endpoint_id
  RETURNING * INTO endpoint;
  IF endpoint.enabled AND now() - endpoint.failing_since >= p_disable_after THEN
    UPDATE webhook_endpoints SET
      enabled = false,
      disabled_reason = format('Disabled at %s: every delivery failed since %s; the last: %s',
        to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        to_char(endpoint.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        p_error)
    WHERE webhook_endpoints.tenant_id = p_tenant_id AND webhook_endpoints.id = endpoint.id;
    UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
      error = coalesce(error || '; ', '') || 'the endpoint was disabled'
    WHERE webhook_deliveries.tenant_id = p_tenant_id AND webhook_deliveries.endpoint_id = endpoint.id
      AND webhook_deliveries.status = 'pending';
    RETURN true;
  END IF;

  IF retry_at IS NOT NULL THEN
    PERFORM graphile_worker.add_job(
      'deliver_webhook',
      json_build_object('tenant_id', p_tenant_id, 'delivery_id', p_delivery_id),
      queue_name => webhook_queue_name(p_tenant_id, endpoint.id),
      run_at => retry_at,
      max_attempts => 5
    );
  END IF;
  RETURN false;
END;
$$;
