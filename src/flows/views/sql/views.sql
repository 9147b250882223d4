-- Views that answer the questions users ask. Each view's COMMENT is its description
-- (`flows views` prints them). Idempotent: CREATE OR REPLACE throughout.

-- How a claim's value (text, as the claimant gives it) reads as a figure or a date. Only the
-- forms below are read; anything else stays text, never guessed ("several hundred", "hundreds").
-- A number: digits with or without thousands commas, a decimal, "a"/"an" before a multiplier
-- (thousand, million, billion); read only when it is a whole number once multiplied.
CREATE OR REPLACE MACRO figure_number(digits, multiplier) AS (
    SELECT CASE WHEN x = trunc(x) THEN TRY_CAST(x AS BIGINT) END
    FROM (SELECT CASE WHEN lower(digits) IN ('a', 'an') THEN (CASE WHEN multiplier <> '' THEN 1 END)
                      ELSE TRY_CAST(replace(digits, ',', '') AS DECIMAL(38, 6)) END
                 * CASE lower(multiplier) WHEN 'thousand' THEN 1000 WHEN 'million' THEN 1000000
                                          WHEN 'billion' THEN 1000000000 ELSE 1 END AS x)
);
COMMENT ON MACRO figure_number IS 'figure_number(digits, multiplier): digits such as ''300,000'' or ''4.8'' (or ''a''), times the multiplier (thousand, million, billion or none), as a whole number; NULL when it is none.';

-- A figure leads the value: "at least 8", "4 (as of 20:00)", "about 450 in the latest shipment",
-- "8–13", "between 8 and 13 million", "up to 6,700"; the text after it (past a space, a
-- bracket, a colon, a semicolon, or a comma before no digit) is a note. Forms:
-- exact (low = best = high), at_least (low), at_most (high), about (best), range (low, high).
CREATE OR REPLACE MACRO claimed_figure(claimed) AS (
    WITH parts AS (
        SELECT lower(g.qualifier) AS qualifier, g.n1, g.mult1, g.n2, g.mult2
        FROM (SELECT regexp_extract(claimed,
            '^\s*(?i:(at least|more than|over|in excess of|upwards of|up to|as many as|at most|no more than|'
            || 'fewer than|less than|under|about|around|approximately|roughly|some|nearly|almost|an estimated|'
            || 'estimated|between)\s+)?'
            || '(\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,6})?|\d{1,15}(?:\.\d{1,6})?|a|an)(?:\s*(?i:(thousand|million|billion)))?'
            || '(?:\s*(?:-|–|—|(?i:to|and))\s*(\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,6})?|\d{1,15}(?:\.\d{1,6})?)'
            || '(?:\s*(?i:(thousand|million|billion)))?)?(?:$|[\s(;:]|,(?:$|\D))',
            ['qualifier', 'n1', 'mult1', 'n2', 'mult2']) AS g)
    ), numbers AS (
        -- "8 to 13 million": the first number takes the second one's multiplier if it stays below it
        SELECT qualifier, n2 <> '' AS ranged,
               CASE WHEN n2 <> '' AND mult1 = '' AND figure_number(n1, mult2) < figure_number(n2, mult2)
                    THEN figure_number(n1, mult2) ELSE figure_number(n1, mult1) END AS a,
               CASE WHEN n2 <> '' THEN figure_number(n2, mult2) END AS b
        FROM parts
    )
    SELECT CASE
        WHEN claimed IS NULL THEN NULL
        WHEN a IS NULL OR (ranged AND (b IS NULL OR b <= a)) OR (qualifier = 'between' AND NOT ranged) THEN
            {'form': 'unparsed', 'low': NULL::BIGINT, 'best': NULL::BIGINT, 'high': NULL::BIGINT}
        WHEN ranged THEN {'form': 'range', 'low': a, 'best': NULL::BIGINT, 'high': b}
        WHEN qualifier IN ('at least', 'more than', 'over', 'in excess of', 'upwards of') THEN
            {'form': 'at_least', 'low': a, 'best': NULL::BIGINT, 'high': NULL::BIGINT}
        WHEN qualifier IN ('up to', 'as many as', 'at most', 'no more than', 'fewer than', 'less than', 'under') THEN
            {'form': 'at_most', 'low': NULL::BIGINT, 'best': NULL::BIGINT, 'high': a}
        WHEN qualifier <> '' THEN {'form': 'about', 'low': NULL::BIGINT, 'best': a, 'high': NULL::BIGINT}
        ELSE {'form': 'exact', 'low': a, 'best': a, 'high': a} END
    FROM numbers
);
COMMENT ON MACRO claimed_figure IS 'claimed_figure(text): the figure a claimed value leads with, as {form, low, best, high}; form is exact, at_least, at_most, about, range, or unparsed (then no figure is read).';

-- A date leads the value: "2023-01-31", "2022-07", "2015", "2023-07-20 (published ...)".
CREATE OR REPLACE MACRO claimed_date(claimed) AS (
    SELECT CASE WHEN earliest IS NOT NULL AND latest IS NOT NULL THEN {'earliest': earliest, 'latest': latest} END
    FROM (SELECT TRY_CAST(g.y || '-' || coalesce(nullif(g.m, ''), '01') || '-' || coalesce(nullif(g.d, ''), '01') AS DATE)
                     AS earliest,
                 CASE WHEN g.m = '' THEN TRY_CAST(g.y || '-12-31' AS DATE)
                      WHEN g.d = '' THEN last_day(TRY_CAST(g.y || '-' || g.m || '-01' AS DATE))
                      ELSE TRY_CAST(g.y || '-' || g.m || '-' || g.d AS DATE) END AS latest
          FROM (SELECT regexp_extract(claimed, '^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|[\s(;,])', ['y', 'm', 'd']) AS g))
);
COMMENT ON MACRO claimed_date IS 'claimed_date(text): the earliest and latest day of the date (YYYY, YYYY-MM or YYYY-MM-DD) a claimed value leads with; NULL when it leads with none.';

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

-- Authorities roll up to their state: each actor's parent_actor_id chain, followed up to the
-- first state. A chain that meets no state counts under the international organisation at its
-- top (the European Union, for the Council of the EU); one that meets neither is unresolved.
CREATE OR REPLACE VIEW actor_states AS
WITH RECURSIVE chain AS (
    SELECT actor_id, actor_id AS at_id, actor_type AS at_type, parent_actor_id AS next_id, 0 AS step,
           [actor_id] AS ids, [name] AS names
    FROM actors
    UNION ALL
    SELECT c.actor_id, p.actor_id, p.actor_type, p.parent_actor_id, c.step + 1,
           list_append(c.ids, p.actor_id), list_append(c.names, p.name)
    FROM chain c
    JOIN actors p ON p.actor_id = c.next_id
    WHERE c.at_type <> 'state' AND NOT list_contains(c.ids, p.actor_id)
), walked AS (
    SELECT actor_id,
           arg_min(at_id, step) FILTER (WHERE at_type = 'state') AS state_id,
           arg_max(at_id, step) FILTER (WHERE at_type = 'international_org') AS org_id
    FROM chain GROUP BY actor_id
), tops AS (  -- where each chain stops
    SELECT actor_id, names, next_id AS top_parent_id, list_contains(ids, next_id) AS loops
    FROM chain QUALIFY step = max(step) OVER (PARTITION BY actor_id)
)
SELECT a.actor_id, a.name, a.actor_type,
       w.state_id, st.name AS state, st.country_code AS state_country_code,
       coalesce(w.state_id, w.org_id) AS counts_under_id,
       coalesce(st.name, org.name) AS counts_under,
       CASE WHEN w.state_id IS NOT NULL THEN 'state' WHEN w.org_id IS NOT NULL THEN 'international_org'
            ELSE 'unresolved' END AS resolution,
       array_to_string(t.names, ' → ') AS chain,
       CASE WHEN w.state_id IS NOT NULL OR w.org_id IS NOT NULL THEN NULL
            WHEN t.loops THEN 'parent_actor_id loops back to ' || t.top_parent_id
            WHEN t.top_parent_id IS NOT NULL THEN 'parent ' || t.top_parent_id || ' is not an actor'
            ELSE 'the chain ends at ' || t.names[-1] || ', which has no parent_actor_id and is neither a state '
                 || 'nor an international organisation' END AS unresolved_because
FROM actors a
JOIN walked w USING (actor_id)
JOIN tops t USING (actor_id)
LEFT JOIN actors st ON st.actor_id = w.state_id
LEFT JOIN actors org ON org.actor_id = w.org_id
ORDER BY a.actor_id;
COMMENT ON VIEW actor_states IS 'Each actor with the state it counts under, found by following parent_actor_id to the first state (U.S. Department of the Treasury → United States); a body of an international organisation counts under the organisation (Council of the EU → European Union); unresolved, with the reason, when the chain meets neither.';

-- Who sanctioned whom, counting states, not offices: each sanctioning state (or organisation)
-- and the country it targets, from the sanctions (their target_country_code) and the
-- designations (their target's country_code, or that of the state the target counts under).
CREATE OR REPLACE VIEW sanctions_by_state AS
WITH actions AS (
    SELECT s.authority_id, s.target_country_code AS target_country_code, s.sanction_id, NULL AS designation_id,
           s.status, s.announced_earliest AS dated
    FROM sanctions s
    UNION ALL
    SELECT d.authority_id, coalesce(ta.country_code, tst.state_country_code), NULL, d.designation_id, NULL,
           d.listed_earliest
    FROM designations d
    JOIN actors ta ON ta.actor_id = d.target_actor_id
    JOIN actor_states tst ON tst.actor_id = d.target_actor_id
), counted AS (
    -- an authority that rolls up to no state stands for itself, marked unresolved
    SELECT coalesce(au.counts_under_id, a.authority_id) AS sanctioner_id,
           coalesce(au.counts_under, au.name) AS sanctioner, au.resolution AS sanctioner_type,
           au.name AS authority, a.*
    FROM actions a JOIN actor_states au ON au.actor_id = a.authority_id
), target_states AS (
    SELECT country_code, min(name) AS name FROM actors WHERE actor_type = 'state' AND country_code IS NOT NULL
    GROUP BY country_code
)
SELECT c.sanctioner, c.sanctioner_type, c.target_country_code, any_value(t.name) AS target,
       count(c.sanction_id) AS n_sanctions,
       count(c.sanction_id) FILTER (WHERE c.status = 'imposed') AS n_imposed,
       count(c.designation_id) AS n_designations,
       string_agg(DISTINCT c.authority, '; ' ORDER BY c.authority) AS authorities,
       min(c.dated) AS first_dated, max(c.dated) AS last_dated,
       c.sanctioner_id
FROM counted c
LEFT JOIN target_states t ON t.country_code = c.target_country_code
GROUP BY c.sanctioner_id, c.sanctioner, c.sanctioner_type, c.target_country_code
ORDER BY c.sanctioner, c.sanctioner_id, c.target_country_code NULLS LAST;
COMMENT ON VIEW sanctions_by_state IS 'Who sanctioned whom, counting states and not offices: per sanctioning state (or international organisation such as the EU; an authority whose chain meets neither stands for itself, marked unresolved) and targeted country, the sanctions, those imposed, the designations, the authorities that acted and the first and last dates.';

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
       s.measures, st.counts_under AS sanctioner, st.counts_under_id AS sanctioner_id
FROM links l
JOIN sanctions s ON s.sanction_id = l.from_record_id
JOIN actors au ON au.actor_id = s.authority_id
JOIN actor_states st ON st.actor_id = s.authority_id
JOIN transfers_by_party t ON t.transfer_id = l.to_record_id
WHERE l.relation = 'responds_to'
ORDER BY s.announced_earliest NULLS LAST, s.sanction_id, t.transfer_id;
COMMENT ON VIEW sanctions_answering_transfers IS 'Sanctions and the transfers they answer: authority and the state it counts under (sanctioner; see actor_states), dates, and the days between the first public report of the flow and the sanction.';

CREATE OR REPLACE VIEW designations_by_authority AS
SELECT au.name AS authority, d.designation_id, d.list_reference, ta.name AS target,
       ta.actor_type AS target_type, d.program_tags, d.listed, d.listed_earliest, d.sanction_id,
       s.title AS sanction, d.target_actor_id, d.authority_id,
       st.counts_under AS sanctioner, st.counts_under_id AS sanctioner_id,
       d.delisted, d.delisted_earliest, d.delisted_latest
FROM designations d
JOIN actors au ON au.actor_id = d.authority_id
JOIN actor_states st ON st.actor_id = d.authority_id
JOIN actors ta ON ta.actor_id = d.target_actor_id
LEFT JOIN sanctions s USING (sanction_id)
ORDER BY authority, target, d.designation_id;
COMMENT ON VIEW designations_by_authority IS 'Who is listed by whom: each designation with its authority, the state it counts under (sanctioner; see actor_states), target, official reference, programme tags, and the dates it was listed and (if so) delisted.';

CREATE OR REPLACE VIEW multi_listed_targets AS
SELECT target_actor_id, any_value(target) AS target, count(DISTINCT authority_id) AS n_authorities,
       string_agg(authority || ' ' || list_reference, '; ' ORDER BY authority, list_reference) AS references,
       count(DISTINCT coalesce(sanctioner_id, authority_id)) AS n_sanctioners
FROM designations_by_authority
GROUP BY target_actor_id
HAVING count(DISTINCT authority_id) > 1
ORDER BY n_authorities DESC, target;
COMMENT ON VIEW multi_listed_targets IS 'Targets listed by several authorities, with each list''s reference and the number of states (or organisations) those authorities count under.';

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

-- Estimates over time: every figure a claim gives for a range of figures (quantity, fatalities),
-- dated by the claim (else by its source's publication), beside the record's own low/best/high.
CREATE OR REPLACE VIEW estimate_history AS
WITH estimates AS (
    {{record_estimates}}
), figure_fields AS (
    SELECT field FROM {{field_kinds}} AS k(field, kind) WHERE kind = 'figure'
), figure_claims AS (
    SELECT c.*, regexp_replace(c.field, '_(low|best|high)$', '') AS estimate,
           claimed_figure(c.claimed_value) AS figure,
           c.claimed IS NOT NULL AS dated_by_claim
    FROM claim_details c
    WHERE c.claimed_value IS NOT NULL AND c.field IN (SELECT field FROM figure_fields)
), history AS (
    SELECT e.record_id, e.record_type, r.label AS record_label, e.estimate, e.unit,
           f.field, f.claimed_value, f.figure.form AS figure_form, f.figure.low AS claimed_low,
           f.figure.best AS claimed_best, f.figure.high AS claimed_high,
           CASE WHEN f.dated_by_claim THEN f.claimed ELSE f.published END AS dated,
           CASE WHEN f.dated_by_claim THEN f.claimed_earliest ELSE f.published_earliest END AS dated_earliest,
           CASE WHEN f.dated_by_claim THEN f.claimed_latest ELSE f.published_latest END AS dated_latest,
           CASE WHEN f.dated_by_claim THEN 'claimed' WHEN f.published IS NOT NULL THEN 'published' END AS dated_by,
           f.claimant, f.claimant_id, f.stance, f.source_title, f.publisher, f.url, f.source_id, f.claim_id,
           e.record_low, e.record_best, e.record_high
    FROM estimates e
    JOIN records r USING (record_id)
    LEFT JOIN figure_claims f ON f.record_id = e.record_id AND f.estimate = e.estimate
    WHERE f.claim_id IS NOT NULL OR e.record_low IS NOT NULL OR e.record_best IS NOT NULL OR e.record_high IS NOT NULL
), bounds AS (
    -- what each side allows: the claim's figure (about N and N: N; at least N: N and above; ...)
    -- and the record's span (low to high, open where null; its best alone when it holds no bound)
    SELECT *,
           CASE WHEN figure_form <> 'at_most' THEN coalesce(claimed_low, claimed_best) END AS claim_min,
           CASE WHEN figure_form <> 'at_least' THEN coalesce(claimed_high, claimed_best) END AS claim_max,
           CASE WHEN record_low IS NULL AND record_high IS NULL THEN record_best ELSE record_low END AS span_low,
           CASE WHEN record_low IS NULL AND record_high IS NULL THEN record_best ELSE record_high END AS span_high
    FROM history
)
SELECT * EXCLUDE (claim_min, claim_max, span_low, span_high),
       CASE WHEN figure_form IN ('exact', 'at_least', 'at_most', 'about', 'range')
                 AND (span_low IS NOT NULL OR span_high IS NOT NULL)
            THEN coalesce(claim_max < span_low, false) OR coalesce(claim_min > span_high, false) END
           AS outside_record_span
FROM bounds
ORDER BY record_id, estimate, dated_earliest NULLS LAST, dated_latest NULLS LAST, claim_id NULLS FIRST;
COMMENT ON VIEW estimate_history IS 'How the estimate of a figure (quantity, fatalities) changed over time, and who gave each: every claim giving a value, read as a figure when it can be (form, low, best, high; else unparsed, the text kept), dated by the claim or else its source, beside the record''s own low, best and high. Filter on record_id.';

-- Conflicting values, never collapsed: the supporting claims on one field of one record that
-- give different values, or a value the record does not hold. A value is compared in the
-- record's own form where it leads with one: the figure for a figure field's bound, a date for
-- a date field (it differs when the two share no day), a code or id for a coded field (the text
-- before any " (" or ";"); otherwise claims are compared by their text, and not with the record.
CREATE OR REPLACE VIEW conflicting_claims AS
WITH valued AS (
    SELECT c.*, k.kind,
           claimed_figure(c.claimed_value) AS figure,
           claimed_date(c.claimed_value) AS dated,
           trim(regexp_extract(c.claimed_value, '^[^(;]*')) AS lead
    FROM claim_details c
    JOIN {{field_kinds}} AS k(field, kind) USING (field)
    WHERE c.supports AND c.claimed_value IS NOT NULL
), read AS (
    SELECT *,
           CASE kind
               WHEN 'figure' THEN CAST(CASE regexp_extract(field, '_(low|best|high)$', 1)
                                       WHEN 'low' THEN figure.low WHEN 'high' THEN figure.high
                                       ELSE figure.best END AS VARCHAR)
               WHEN 'date' THEN CAST(dated.earliest AS VARCHAR) || '/' || CAST(dated.latest AS VARCHAR)
               WHEN 'code' THEN CASE WHEN lead <> '' AND NOT regexp_matches(lead, '\s') THEN lead END
           END AS read_value
    FROM valued
), record_values AS (
    SELECT d.record_id, f.field, json_extract_string(d.doc, f.field) AS record_value,
           TRY_CAST(json_extract_string(d.doc, f.field || '_earliest') AS DATE) AS record_earliest,
           TRY_CAST(json_extract_string(d.doc, f.field || '_latest') AS DATE) AS record_latest
    FROM (SELECT DISTINCT record_id, field FROM read) f
    JOIN ({{record_documents}}) d USING (record_id)
), compared AS (
    SELECT r.*, v.record_value,
           coalesce(r.read_value, lower(trim(regexp_replace(r.claimed_value, '\s+', ' ', 'g')))) AS value_key,
           CASE WHEN r.read_value IS NULL THEN false
                WHEN r.kind = 'date' THEN v.record_value IS NULL  -- the two share no day:
                     OR coalesce(r.dated.latest < v.record_earliest, false)
                     OR coalesce(r.dated.earliest > v.record_latest, false)
                ELSE r.read_value IS DISTINCT FROM v.record_value END AS differs_from_record
    FROM read r JOIN record_values v USING (record_id, field)
)
SELECT c.record_id, any_value(c.record_type) AS record_type, any_value(c.record_label) AS record_label,
       c.field, any_value(c.kind) AS field_kind, any_value(c.record_value) AS record_value,
       count(DISTINCT c.value_key) > 1 AS claims_differ,
       bool_or(c.differs_from_record) AS record_differs,
       count(*) AS n_claims, count(DISTINCT c.value_key) AS n_values,
       string_agg(c.claimed_value || ' (' || c.claimant || coalesce(', ' || coalesce(c.claimed, c.published), '')
                  || CASE WHEN c.differs_from_record THEN '; not the record''s' ELSE '' END || ')',
                  ' | ' ORDER BY c.public_from NULLS LAST, c.claim_id) AS claimed_values,
       string_agg(c.claim_id, '; ' ORDER BY c.public_from NULLS LAST, c.claim_id) AS claim_ids,
       any_value(r.curated_in) AS curated_in
FROM compared c
JOIN records r USING (record_id)
GROUP BY c.record_id, c.field
HAVING count(DISTINCT c.value_key) > 1 OR bool_or(c.differs_from_record)
ORDER BY c.record_id, c.field;
COMMENT ON VIEW conflicting_claims IS 'Record fields whose supporting claims give different values (claims_differ), or a value the record does not hold (record_differs): every value with its claimant and date, never collapsed to one. Figures, dates and codes are compared as such, other text as written.';

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
