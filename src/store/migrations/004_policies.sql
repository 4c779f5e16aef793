-- EnforceAI schema v4: what the API service stores.
--
-- Custom checks ("policies") created through the API live in the `checks` table of 001_init.sql with
-- source = 'custom'. The definition is the check exactly as a check YAML file holds it (validated by the same
-- schema and compiler as the built-in checks); `controls` lists the framework controls it serves.
ALTER TABLE checks ADD COLUMN controls jsonb NOT NULL DEFAULT '[]';
ALTER TABLE checks ADD COLUMN created_by text;
ALTER TABLE checks ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE checks ADD COLUMN updated_by text;
CREATE INDEX checks_source_idx ON checks (source);

-- Chat threads: who owns each conversation. The messages themselves are in the LangGraph checkpoints
-- (thread id = chat thread id).
CREATE TABLE chat_threads (
  id          text PRIMARY KEY,
  owner       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_threads_owner_idx ON chat_threads (owner, updated_at DESC);
