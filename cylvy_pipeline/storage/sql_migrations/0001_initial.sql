-- cylvy_pipeline initial schema.
-- Run-scoped tables carry (pipeline_execution_id, market): an execution never overwrites another's rows.
-- Cache tables (company_profiles, page_cache, analysis_cache, channel_resolutions) are shared across
-- markets and executions, each with a freshness timestamp.

CREATE TABLE pipeline_executions (
    id               uuid PRIMARY KEY,
    market           text NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'canceled')),
    started_at       timestamptz,
    completed_at     timestamptz,
    run_config       jsonb NOT NULL DEFAULT '{}'::jsonb,
    selection        jsonb NOT NULL DEFAULT '[]'::jsonb,
    dagster_run_ids  text[] NOT NULL DEFAULT '{}',
    summary          jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX pipeline_executions_market_started ON pipeline_executions (market, started_at DESC);

CREATE TABLE pipeline_phase_status (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_execution_id  uuid NOT NULL,
    phase_name             text NOT NULL,
    status                 text NOT NULL
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'blocked', 'skipped')),
    started_at             timestamptz,
    completed_at           timestamptz,
    result_data            jsonb NOT NULL DEFAULT '{}'::jsonb,
    error_message          text,
    market                 text,
    dagster_run_id         text,
    attempts               integer NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (pipeline_execution_id, phase_name)
);
CREATE INDEX pipeline_phase_status_status ON pipeline_phase_status (status);

-- Which execution produced the latest output of a phase for a market: what downstream phases read.
CREATE TABLE phase_outputs (
    pipeline_execution_id  uuid NOT NULL,
    phase_name             text NOT NULL,
    market                 text NOT NULL,
    dagster_run_id         text NOT NULL,
    row_counts             jsonb NOT NULL,
    produced_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (pipeline_execution_id, phase_name, market)
);
CREATE INDEX phase_outputs_latest ON phase_outputs (phase_name, market, produced_at DESC);

-- 6.1 keyword_metrics
CREATE TABLE keyword_metrics (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    keyword                text NOT NULL,
    category               text NOT NULL,
    jtbd_stage             text,
    is_brand               boolean NOT NULL,
    search_volume          integer,
    competition            text,
    competition_index      integer,
    low_top_of_page_bid    double precision,
    high_top_of_page_bid   double precision,
    metrics_missing        boolean NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, keyword)
);

-- 6.2 serp_collection: one row per result, plus one row per fetched (keyword, serp_type)
CREATE TABLE serp_results (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    keyword                text NOT NULL,
    serp_type              text NOT NULL CHECK (serp_type IN ('organic', 'news', 'video')),
    position               integer NOT NULL CHECK (position >= 1),
    url                    text NOT NULL,
    title                  text,
    snippet                text,
    domain                 text NOT NULL,
    source                 text,
    published_at           timestamptz,
    video_length_seconds   integer,
    search_volume          integer,
    volume_defaulted       boolean NOT NULL,
    ctr                    double precision NOT NULL,
    estimated_traffic      double precision NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, keyword, serp_type, position)
);
CREATE TABLE serp_fetches (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    keyword                text NOT NULL,
    serp_type              text NOT NULL,
    result_count           integer NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, keyword, serp_type)
);

-- 6.3 / 6.6 company profiles: shared cache keyed by registrable domain
CREATE TABLE company_profiles (
    domain        text PRIMARY KEY,
    company_name  text NOT NULL,
    industry      text,
    description   text,
    employees     integer,
    revenue_usd   double precision,
    hq_country    text,
    source        text NOT NULL,
    source_type   text NOT NULL,
    confidence    double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    enriched_at   timestamptz NOT NULL
);

-- 6.3 run-scoped: every SERP host of the execution and the company it belongs to
CREATE TABLE serp_domain_companies (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    host                   text NOT NULL,
    company_domain         text NOT NULL,
    company_name           text NOT NULL,
    source_type            text NOT NULL,
    enriched               boolean NOT NULL,
    from_cache             boolean NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, host)
);

-- 6.4 youtube_enrichment
CREATE TABLE youtube_videos (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    video_id               text NOT NULL,
    url                    text NOT NULL,
    title                  text,
    description            text,
    channel_id             text,
    channel_title          text,
    published_at           timestamptz,
    view_count             bigint,
    like_count             bigint,
    comment_count          bigint,
    duration_seconds       integer,
    engagement_rate        double precision CHECK (engagement_rate >= 0),
    PRIMARY KEY (pipeline_execution_id, market, video_id)
);

-- 6.5 content_scraping: shared cache by normalised URL, and the run-scoped view of it
CREATE TABLE page_cache (
    normalized_url    text PRIMARY KEY,
    url               text NOT NULL,
    status            text NOT NULL CHECK (status IN ('scraped', 'failed')),
    failure_reason    text,
    http_status       integer,
    title             text,
    meta_description  text,
    text              text,
    word_count        integer,
    content_type      text,
    content_hash      text,
    fetched_at        timestamptz NOT NULL
);
CREATE TABLE scraped_pages (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    url                    text NOT NULL,
    normalized_url         text NOT NULL,
    status                 text NOT NULL CHECK (status IN ('scraped', 'failed')),
    failure_reason         text,
    title                  text,
    word_count             integer,
    content_type           text,
    content_hash           text,
    from_cache             boolean NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, url)
);

-- 6.6 company_enrichment_youtube
CREATE TABLE channel_resolutions (
    channel_id      text PRIMARY KEY,
    channel_title   text,
    company_domain  text,
    method          text NOT NULL,
    resolved_at     timestamptz NOT NULL
);
CREATE TABLE youtube_channel_companies (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    channel_id             text NOT NULL,
    channel_title          text,
    company_domain         text,
    company_name           text,
    method                 text NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, channel_id)
);

-- 6.7 content_analysis: cache by content hash + analyzer version, run-scoped results per URL
CREATE TABLE analysis_cache (
    content_hash      text NOT NULL,
    analyzer_version  text NOT NULL,
    result            jsonb NOT NULL,
    analyzed_at       timestamptz NOT NULL,
    PRIMARY KEY (content_hash, analyzer_version)
);
CREATE TABLE content_analyses (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    url                    text NOT NULL,
    content_kind           text NOT NULL CHECK (content_kind IN ('page', 'video')),
    content_hash           text NOT NULL,
    analyzer_version       text NOT NULL,
    persona_relevance      double precision NOT NULL CHECK (persona_relevance BETWEEN 0 AND 1),
    sentiment              text NOT NULL,
    sentiment_score        double precision NOT NULL,
    key_topics             jsonb NOT NULL,
    mentions               jsonb NOT NULL,
    from_cache             boolean NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, url)
);
CREATE TABLE content_dimension_scores (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    url                    text NOT NULL,
    dimension_kind         text NOT NULL,
    dimension_name         text NOT NULL,
    score                  double precision NOT NULL CHECK (score BETWEEN 0 AND 10),
    confidence             double precision NOT NULL CHECK (confidence BETWEEN 0 AND 10),
    evidence               text NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, url, dimension_kind, dimension_name)
);

-- 6.8 dsi_calculation
CREATE TABLE dsi_company (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    landscape              text NOT NULL,
    serp_type              text NOT NULL,
    company_domain         text NOT NULL,
    company_name           text NOT NULL,
    is_client              boolean NOT NULL,
    keywords_ranked        integer NOT NULL,
    landscape_keywords     integer NOT NULL,
    coverage               double precision NOT NULL,
    traffic                double precision NOT NULL,
    share                  double precision NOT NULL,
    relevance              double precision NOT NULL,
    dsi                    double precision NOT NULL,
    dsi_index              double precision NOT NULL,
    rank                   integer NOT NULL,
    market_position        text NOT NULL,
    formula_version        text NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, landscape, serp_type, company_domain)
);
CREATE TABLE dsi_page (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    landscape              text NOT NULL,
    serp_type              text NOT NULL,
    url                    text NOT NULL,
    company_domain         text NOT NULL,
    traffic                double precision NOT NULL,
    share                  double precision NOT NULL,
    relevance              double precision NOT NULL,
    dsi                    double precision NOT NULL,
    rank                   integer NOT NULL,
    formula_version        text NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, landscape, serp_type, url)
);
CREATE TABLE dsi_keyword (
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    landscape              text NOT NULL,
    serp_type              text NOT NULL,
    keyword                text NOT NULL,
    company_domain         text NOT NULL,
    company_name           text NOT NULL,
    is_client              boolean NOT NULL,
    traffic                double precision NOT NULL,
    share                  double precision NOT NULL,
    relevance              double precision NOT NULL,
    dsi                    double precision NOT NULL,
    rank                   integer NOT NULL,
    formula_version        text NOT NULL,
    PRIMARY KEY (pipeline_execution_id, market, landscape, serp_type, keyword, company_domain)
);
