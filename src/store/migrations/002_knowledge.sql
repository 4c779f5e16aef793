-- EnforceAI schema v2: the knowledge base (framework documents, their status, and the embedded chunk index).
-- Runs on PostgreSQL with or without pgvector, and on embedded PGlite (which ships pgvector).

-- One row per ingested document. `content_hash` is the hash of the last successfully indexed content: an
-- unchanged document is recognised by it and not processed again.
CREATE TABLE knowledge_documents (
  id                  text PRIMARY KEY,
  framework           text NOT NULL,
  version             text NOT NULL,
  title               text,
  source              text NOT NULL,
  origin              text NOT NULL CHECK (origin IN ('bundled', 'user')),
  format              text,
  bytes               bigint,
  pages               integer,
  content_hash        text,
  pending_hash        text,
  status              text NOT NULL CHECK (status IN ('queued', 'processing', 'indexed', 'failed')),
  error               text,
  chunk_count         integer NOT NULL DEFAULT 0,
  embedding_model     text,
  index_key           text,
  extraction_status   text CHECK (extraction_status IN ('extracted', 'failed', 'skipped')),
  extraction_error    text,
  controls_extracted  integer,
  created_by          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  indexed_at          timestamptz,
  UNIQUE (framework, source)
);
CREATE INDEX knowledge_documents_status_idx ON knowledge_documents (status);

-- The embedded index: one row per chunk. `search_tsv` is Postgres full-text search (english configuration);
-- `embedding` is pgvector's `vector` where the extension is available and `real[]` elsewhere (ranked in the
-- application then; see docs/knowledge.md). The OpenSearch backend does not use this table.
CREATE TABLE knowledge_chunks (
  id               text PRIMARY KEY,
  document_id      text NOT NULL,
  chunk_index      integer NOT NULL,
  framework        text NOT NULL,
  version          text NOT NULL,
  control_id       text,
  control_ids      text[] NOT NULL DEFAULT '{}',
  section          text,
  page             integer,
  source           text NOT NULL,
  content_hash     text NOT NULL,
  text             text NOT NULL,
  embedding_model  text NOT NULL,
  search_tsv       tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED
);
CREATE INDEX knowledge_chunks_document_idx ON knowledge_chunks (document_id, chunk_index);
CREATE INDEX knowledge_chunks_framework_idx ON knowledge_chunks (framework, version);
CREATE INDEX knowledge_chunks_controls_idx ON knowledge_chunks USING gin (control_ids);
CREATE INDEX knowledge_chunks_tsv_idx ON knowledge_chunks USING gin (search_tsv);
CREATE INDEX knowledge_chunks_hash_idx ON knowledge_chunks (content_hash, embedding_model);

-- pgvector where the server has it (PGlite does; Debian's PostgreSQL 15 does not): a failed CREATE EXTENSION
-- (missing package, missing privilege) falls back to real[] instead of failing the migration.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS vector;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pgvector is available but could not be created (%); embeddings are stored as real[]', SQLERRM;
    END;
  END IF;
  -- The type must also be visible on the search path (an extension created in another schema is not).
  IF to_regtype('vector') IS NOT NULL THEN
    EXECUTE 'ALTER TABLE knowledge_chunks ADD COLUMN embedding vector';
  ELSE
    EXECUTE 'ALTER TABLE knowledge_chunks ADD COLUMN embedding real[]';
  END IF;
END
$$;
