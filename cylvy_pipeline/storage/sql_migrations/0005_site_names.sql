-- The site name a page declares (og:site_name / application-name), kept with each fetch and each
-- execution's scraped pages: it names companies the company-data source has no record of
-- ("Banking Gazette" rather than "Bankinggazette" from the domain).
ALTER TABLE page_cache ADD COLUMN site_name text;
ALTER TABLE scraped_pages ADD COLUMN site_name text;
