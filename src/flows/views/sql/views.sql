-- Views that answer the questions users ask. Each view's COMMENT is its description
-- (`flows views` prints them). Idempotent: CREATE OR REPLACE throughout.

-- Which claims back a record, and which deny it.
CREATE OR REPLACE VIEW claim_details AS
SELECT
    c.claim_id, c.record_id, r.record_type, r.label AS record_label, c.field, c.claimed_value,
    c.claimant_id, a.name AS claimant, a.actor_type AS claimant_type, c.stance,
    {{supports c.stance}} AS supports,
    {{denies c.stance}} AS denies,
    c.evidence_type, c.evidence_text, c.locator,
    c.claimed, c.claimed_earliest, c.claimed_latest, c.date_basis,
    c.source_id, s.title AS source_title, s.publisher, s.source_type, s.url,
    s.published, s.published_earliest, s.published_latest,
    -- The claim was public once it was made and its source published.
    greatest(coalesce(c.claimed_earliest, s.published_earliest),
             coalesce(s.published_earliest, c.claimed_earliest)) AS public_from
FROM claims c
JOIN records r USING (record_id)
JOIN actors a ON a.actor_id = c.claimant_id
JOIN sources s USING (source_id);
COMMENT ON VIEW claim_details IS 'Every claim with its record, claimant, stance, evidence, source and the date it became public.';

CREATE OR REPLACE VIEW record_evidence AS
SELECT record_id, record_type, record_label, field, claimed_value, claimant, claimant_type, stance,
       evidence_type, evidence_text, locator, claimed, date_basis, source_title, publisher,
       source_type, url, published, public_from, claim_id, source_id
FROM claim_details
ORDER BY record_id, public_from NULLS LAST, claim_id;
COMMENT ON VIEW record_evidence IS 'The evidence behind each record: every claim, stance, quote, source and date (filter on record_id).';

CREATE OR REPLACE VIEW transfers_by_party AS
WITH support AS (
    SELECT record_id,
           count(DISTINCT source_id) AS n_sources,
           count(*) AS n_claims,
           string_agg(DISTINCT claimant, '; ' ORDER BY claimant) FILTER (WHERE supports) AS asserted_by,
           string_agg(DISTINCT claimant, '; ' ORDER BY claimant) FILTER (WHERE denies) AS denied_by,
           min(public_from) FILTER (WHERE supports) AS first_reported
    FROM claim_details WHERE record_type = 'transfer'
    GROUP BY record_id
)
SELECT t.transfer_id, sa.name AS supplier, ra.name AS recipient, i.name AS item, i.category,
       t.flow_type, t.status, t.period, t.period_earliest, t.period_latest,
       t.quantity_low, t.quantity_best, t.quantity_high, t.quantity_unit, t.location,
       t.description, coalesce(s.n_sources, 0) AS n_sources, coalesce(s.n_claims, 0) AS n_claims,
       s.asserted_by, s.denied_by, s.first_reported,
       t.supplier_id, t.recipient_id, t.item_id
FROM transfers t
JOIN actors sa ON sa.actor_id = t.supplier_id
JOIN actors ra ON ra.actor_id = t.recipient_id
LEFT JOIN items i USING (item_id)
LEFT JOIN support s ON s.record_id = t.transfer_id
ORDER BY supplier, recipient, t.period_earliest NULLS LAST, t.transfer_id;
COMMENT ON VIEW transfers_by_party IS 'Flows by supplier and recipient: item, flow type, status, dates, quantity range, number of sources, who asserts and who denies.';

CREATE OR REPLACE VIEW requested_not_delivered AS
WITH status_claims AS (
    SELECT record_id,
           string_agg(claimant || ' (' || stance || coalesce(', ' || claimed, '') || '): ' || evidence_text,
                      ' | ' ORDER BY public_from NULLS LAST, claim_id) AS status_evidence
    FROM claim_details WHERE field = 'status' GROUP BY record_id
)
SELECT t.transfer_id, t.recipient AS asked_by, t.supplier AS asked_of, t.item, t.flow_type, t.status,
       t.period, t.period_earliest, t.period_latest, t.first_reported, t.n_sources, t.asserted_by,
       t.denied_by, s.status_evidence AS stated_obstacles_and_status, t.description
FROM transfers_by_party t
LEFT JOIN status_claims s ON s.record_id = t.transfer_id
WHERE t.status IN ('requested', 'sought', 'offered', 'agreed', 'ordered', 'planned', 'refused', 'cancelled')
ORDER BY t.first_reported NULLS LAST, t.transfer_id;
COMMENT ON VIEW requested_not_delivered IS 'Flows requested, sought, offered, agreed, ordered or planned but not recorded as delivered (and those refused or cancelled): who asked whom, when, and what the claims say of their status and obstacles.';

CREATE OR REPLACE VIEW sanctions_answering_transfers AS
SELECT s.sanction_id, au.name AS authority, s.title, s.status, s.announced, s.announced_earliest,
       s.effective, s.legal_act, s.program, s.reason,
       t.transfer_id, t.supplier, t.recipient, t.item, t.status AS transfer_status,
       t.first_reported AS transfer_first_reported,
       date_diff('day', t.first_reported, s.announced_earliest) AS days_after_first_report,
       (SELECT count(*) FROM designations d WHERE d.sanction_id = s.sanction_id) AS n_designations,
       (SELECT string_agg(a.name, '; ' ORDER BY a.name) FROM designations d
        JOIN actors a ON a.actor_id = d.target_actor_id WHERE d.sanction_id = s.sanction_id) AS targets,
       s.measures
FROM links l
JOIN sanctions s ON s.sanction_id = l.from_record_id
JOIN actors au ON au.actor_id = s.authority_id
JOIN transfers_by_party t ON t.transfer_id = l.to_record_id
WHERE l.relation = 'responds_to'
ORDER BY s.announced_earliest NULLS LAST, s.sanction_id, t.transfer_id;
COMMENT ON VIEW sanctions_answering_transfers IS 'Sanctions and the transfers they answer: authority, dates, and the days between the first public report of the flow and the sanction.';

CREATE OR REPLACE VIEW designations_by_authority AS
SELECT au.name AS authority, d.designation_id, d.list_reference, ta.name AS target,
       ta.actor_type AS target_type, d.program_tags, d.listed, d.listed_earliest, d.sanction_id,
       s.title AS sanction, d.target_actor_id, d.authority_id, d.delisted, d.delisted_earliest, d.delisted_latest
FROM designations d
JOIN actors au ON au.actor_id = d.authority_id
JOIN actors ta ON ta.actor_id = d.target_actor_id
LEFT JOIN sanctions s USING (sanction_id)
ORDER BY authority, target, d.designation_id;
COMMENT ON VIEW designations_by_authority IS 'Who is listed by whom: each designation with its authority, target, official reference, programme tags, and the dates it was listed and (if so) delisted.';

CREATE OR REPLACE VIEW multi_listed_targets AS
SELECT target_actor_id, any_value(target) AS target, count(DISTINCT authority_id) AS n_authorities,
       string_agg(authority || ' ' || list_reference, '; ' ORDER BY authority, list_reference) AS references
FROM designations_by_authority
GROUP BY target_actor_id
HAVING count(DISTINCT authority_id) > 1
ORDER BY n_authorities DESC, target;
COMMENT ON VIEW multi_listed_targets IS 'Targets listed by several authorities, with each list''s reference.';

CREATE OR REPLACE VIEW timeline AS
WITH dated AS (
    SELECT transfer_id AS record_id, 'transfer' AS record_type, 'period' AS date_field, period AS date_edtf,
           period_earliest AS earliest, period_latest AS latest FROM transfers WHERE period IS NOT NULL
    UNION ALL
    SELECT event_id, 'event', 'date', date, date_earliest, date_latest FROM events
    UNION ALL
    SELECT sanction_id, 'sanction', 'announced', announced, announced_earliest, announced_latest
    FROM sanctions WHERE announced IS NOT NULL
    UNION ALL
    SELECT sanction_id, 'sanction', 'effective', effective, effective_earliest, effective_latest
    FROM sanctions WHERE effective IS NOT NULL AND effective IS DISTINCT FROM announced
    UNION ALL
    SELECT designation_id, 'designation', 'listed', listed, listed_earliest, listed_latest
    FROM designations WHERE listed IS NOT NULL
    UNION ALL
    SELECT designation_id, 'designation', 'delisted', delisted, delisted_earliest, delisted_latest
    FROM designations WHERE delisted IS NOT NULL
)
SELECT d.earliest, d.latest, d.date_edtf, d.date_field,
       CASE WHEN d.earliest IS NULL OR d.latest IS NULL THEN 'open'
            WHEN d.latest = d.earliest THEN 'day'
            WHEN d.latest - d.earliest < 31 AND day(d.earliest) = 1 AND month(d.latest + 1) <> month(d.latest) THEN 'month'
            WHEN d.latest - d.earliest < 366 AND dayofyear(d.earliest) = 1 AND month(d.latest) = 12 AND day(d.latest) = 31 THEN 'year'
            ELSE 'range' END AS precision,
       d.record_type, d.record_id, r.label
FROM dated d JOIN records r USING (record_id)
ORDER BY d.earliest NULLS FIRST, d.latest, d.record_id, d.date_field;
COMMENT ON VIEW timeline IS 'Every dated record on one timeline (transfers, events, sanctions, designations), with the EDTF date, its bounds and its precision.';

CREATE OR REPLACE VIEW contested_records AS
SELECT record_id, any_value(record_type) AS record_type, any_value(record_label) AS label,
       string_agg(DISTINCT claimant, '; ' ORDER BY claimant) FILTER (WHERE supports) AS asserted_by,
       string_agg(DISTINCT claimant, '; ' ORDER BY claimant) FILTER (WHERE denies) AS denied_by,
       string_agg(claimant || ': ' || evidence_text, ' | ' ORDER BY claim_id) FILTER (WHERE supports) AS assert_evidence,
       string_agg(claimant || ': ' || evidence_text, ' | ' ORDER BY claim_id) FILTER (WHERE denies) AS deny_evidence
FROM claim_details
GROUP BY record_id
HAVING bool_or(supports) AND bool_or(denies)
ORDER BY record_id;
COMMENT ON VIEW contested_records IS 'Records asserted by some parties and denied by others, with both sides'' evidence.';

CREATE OR REPLACE VIEW actor_profile AS
WITH supplied AS (
    SELECT supplier_id AS actor_id, count(*) AS n_supplied,
           string_agg(item || ' → ' || recipient || ' [' || status || ']', '; ' ORDER BY item) AS supplied
    FROM transfers_by_party GROUP BY supplier_id
), received AS (
    SELECT recipient_id AS actor_id, count(*) AS n_received,
           string_agg(item || ' ← ' || supplier || ' [' || status || ']', '; ' ORDER BY item) AS received
    FROM transfers_by_party GROUP BY recipient_id
), said AS (
    SELECT claimant_id AS actor_id, count(*) AS n_claims,
           count(*) FILTER (WHERE denies) AS n_denials,
           string_agg(DISTINCT record_label, '; ' ORDER BY record_label) FILTER (WHERE denies) AS denied
    FROM claim_details GROUP BY claimant_id
), listed AS (
    SELECT target_actor_id AS actor_id, count(*) AS n_designations,
           string_agg(authority || ' ' || list_reference, '; ' ORDER BY authority, list_reference) AS listed_by
    FROM designations_by_authority GROUP BY target_actor_id
)
SELECT a.actor_id, a.name, a.actor_type, a.country_code, p.name AS parent, a.position,
       coalesce(su.n_supplied, 0) AS n_supplied, su.supplied,
       coalesce(re.n_received, 0) AS n_received, re.received,
       coalesce(sa.n_claims, 0) AS n_claims, coalesce(sa.n_denials, 0) AS n_denials, sa.denied,
       coalesce(li.n_designations, 0) AS n_designations, li.listed_by
FROM actors a
LEFT JOIN actors p ON p.actor_id = a.parent_actor_id
LEFT JOIN supplied su ON su.actor_id = a.actor_id
LEFT JOIN received re ON re.actor_id = a.actor_id
LEFT JOIN said sa ON sa.actor_id = a.actor_id
LEFT JOIN listed li ON li.actor_id = a.actor_id
ORDER BY a.actor_id;
COMMENT ON VIEW actor_profile IS 'One row per actor: what it supplied and received, how many claims it made and what it denied, and the lists it is on.';
