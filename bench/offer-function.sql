-- pgbench: this project's forced re-offer as one call of offer_contract per transaction, the way
-- bench/anchor/seed-fastapi/bench/orm.sql replays the anchor's six statements: a random player of
-- the bench's club, a random fee, the machine's judgement of OFFER with force (the states it takes
-- it from), as the service sends it. Variables from --define: tenant, pmin, pmax.
\set pid random(:pmin, :pmax)
\set fee random(50, 549)
SELECT * FROM offer_contract(:tenant, :pid, :fee, NULL, true, '{none,offered,declined}', 'bench@example.test', 'bench');
