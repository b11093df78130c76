-- Clamping cannot be undone; reverting only forgets that it ran.
INSERT INTO event_log (id, event) SELECT COALESCE(MAX(id), 0) + 1, 'down:catalog:0002_normalize_prices' FROM event_log;
