-- One definition of "the newest check of a type for a relay" and of "up" / "readable"
-- (docs/database.md, "Reads and their indexes"). Every reader (the API, `bigbrotr status`, the
-- monitor, the synchronizer) calls these instead of writing its own copy.
--
-- relay_latest_check is a LANGUAGE sql, STABLE, non-STRICT function whose body is one SELECT:
-- PostgreSQL inlines it where it is used in FROM (a LATERAL join), so the plan is the one of
-- the hand-written subquery it replaces: one probe of relay_metadata_latest_idx (relay_id,
-- metadata_type, generated_at DESC) per relay, then metadata by its key. relay_up and
-- relay_readable are IMMUTABLE one-expression sql functions, inlined as their expression.
--
-- The statistics views of 000005 (relay_stats' RTT averages over numeric rtt_* values) keep
-- their own copy of the "numeric rtt_open" test; they are being rewritten separately.

-- The newest check of type `of_type` of relay `for_relay` (at most one row): when it ran, the
-- content address of its document, and the document ({"data": {...}, "logs": {...}}).
CREATE FUNCTION relay_latest_check(for_relay integer, of_type text)
RETURNS TABLE (generated_at bigint, metadata_id bytea, data jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT rm.generated_at, rm.metadata_id, m.data
  FROM relay_metadata rm
  JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  WHERE rm.relay_id = $1 AND rm.metadata_type = $2
  ORDER BY rm.generated_at DESC
  LIMIT 1
$$;

-- Up at a check: the nip66_rtt document `doc` (metadata.data) has a numeric rtt_open, i.e. a
-- connection opened (the monitor's contract, docs/monitor.md). False otherwise, also when the
-- document has no `data` (canonical JSON drops an empty one) or there is no document.
CREATE FUNCTION relay_up(doc jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(jsonb_typeof($1 -> 'data' -> 'rtt_open') = 'number', false) $$;

-- Readable at a check: the nip66_rtt document has a numeric rtt_read (a REQ was answered).
CREATE FUNCTION relay_readable(doc jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(jsonb_typeof($1 -> 'data' -> 'rtt_read') = 'number', false) $$;
