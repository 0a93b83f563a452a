-- pgbench: bench/offer-function.sql's call, but each client re-offers players of its own, so that
-- no two calls in flight wait for one player's row and only the club's audit chain head is shared.
-- Client c (pgbench's client_id, from 0) takes a random player of pfirst + c * slice …
-- pfirst + (c + 1) * slice - 1, of the club tfirst + c * tstep: with tstep 0 every client offers to
-- one club, with tstep 1 each to a club of its own (clubs numbered as bench/seed.ts's ClubsInARow).
-- Variables from --define: tfirst, tstep, pfirst, slice.
\set tenant :tfirst + :tstep * :client_id
\set pid :pfirst + :client_id * :slice + random(0, :slice - 1)
\set fee random(50, 549)
SELECT * FROM offer_contract(:tenant, :pid, :fee, NULL, true, '{none,offered,declined}', 'bench@example.test', 'bench');
