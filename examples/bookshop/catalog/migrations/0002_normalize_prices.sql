-- m: phase = post_sync, depends_on = catalog:0001_seed_genres
-- Negative prices were allowed by an old importer; clamp them.
UPDATE book SET price_cents = 0 WHERE price_cents < 0;
INSERT INTO event_log (id, event) SELECT COALESCE(MAX(id), 0) + 1, 'migration:catalog:0002_normalize_prices' FROM event_log;
