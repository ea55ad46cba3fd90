-- What a page says about itself, kept with each fetch and each execution's scraped pages and read by
-- content analysis: the URL it was served from (its site section: /blog/, /customers/, /whitepapers/),
-- its Open Graph type, its JSON-LD / microdata types (space-separated), the date it declares it was
-- published and its declared author. Real sites label their pages this way; the analyzer weighs it.
ALTER TABLE page_cache ADD COLUMN final_url text;
ALTER TABLE page_cache ADD COLUMN og_type text;
ALTER TABLE page_cache ADD COLUMN schema_types text;
ALTER TABLE page_cache ADD COLUMN published_at text;
ALTER TABLE page_cache ADD COLUMN author text;
ALTER TABLE scraped_pages ADD COLUMN final_url text;
ALTER TABLE scraped_pages ADD COLUMN og_type text;
ALTER TABLE scraped_pages ADD COLUMN schema_types text;
ALTER TABLE scraped_pages ADD COLUMN published_at text;
ALTER TABLE scraped_pages ADD COLUMN author text;
