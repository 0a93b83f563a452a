-- Queues one webhook event in the caller's transaction (docs/WEBHOOKS.md, "Delivery"): the event
-- with its stable id, one delivery per endpoint of the club subscribed to its type right now, and
-- one job per delivery on the endpoint's own queue, so a slow endpoint holds up only its own
-- deliveries. A club with no endpoint for the type pays one index probe and writes nothing.
-- Jobs go through graphile_worker.add_job, the queue's public API.
CREATE OR REPLACE FUNCTION queue_webhook_event(p_tenant_id integer, p_type text, p_data jsonb) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  event_id text;
  delivery record;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM webhook_endpoints AS endpoint
    WHERE endpoint.tenant_id = p_tenant_id AND endpoint.enabled AND (endpoint.events IS NULL OR p_type = ANY (endpoint.events))
  ) THEN
    RETURN;
  END IF;
  event_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
  INSERT INTO webhook_events (tenant_id, id, type, data) VALUES (p_tenant_id, event_id, p_type, p_data);
  FOR delivery IN
    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id)
    SELECT p_tenant_id, endpoint.id, event_id
    FROM webhook_endpoints AS endpoint
    WHERE endpoint.tenant_id = p_tenant_id AND endpoint.enabled AND (endpoint.events IS NULL OR p_type = ANY (endpoint.events))
    ORDER BY endpoint.id
    RETURNING webhook_deliveries.id, webhook_deliveries.endpoint_id
  LOOP
    PERFORM graphile_worker.add_job(
      'deliver_webhook',
      json_build_object('tenant_id', p_tenant_id, 'delivery_id', delivery.id),
      queue_name => webhook_queue_name(p_tenant_id, delivery.endpoint_id),
      -- A crash mid-attempt; the task schedules the retries of failed attempts itself.
      max_attempts => 5
    );
  END LOOP;
END;
$$;
