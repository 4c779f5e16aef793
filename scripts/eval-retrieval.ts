/**
 * Retrieval evaluation: recall@5 and MRR@10 of BM25 only, vector only and hybrid (RRF) ranking over the bundled
 * corpus, on the embedded index (PGlite: full-text search + pgvector) and, when TEST_OPENSEARCH_URL or
 * OPENSEARCH_URL is set, on OpenSearch (BM25 + k-NN). Questions: knowledge/eval/retrieval-questions.yaml.
 *
 *   npx tsx scripts/eval-retrieval.ts [--json] [--verbose] [--questions FILE]
 *
 * Two scopes: "framework" searches within the question's framework (as `--framework ID` does); "corpus"
 * searches all documents, where the `also` answers count too. Uses the local embedder unless
 * ENFORCEAI_EMBEDDINGS=bedrock.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { createMemoryCache } from "../src/cache/index.ts";
import { loadConfig } from "../src/config/index.ts";
import type { KnowledgeIndex } from "../src/knowledge/index-backend.ts";
import { OpenSearchKnowledgeIndex } from "../src/knowledge/opensearch-index.ts";
import type { Passage } from "../src/knowledge/types.ts";
import { KNOWLEDGE_DIR } from "../src/paths.ts";
import { createKnowledge, type Knowledge } from "../src/services/knowledge-base.ts";
import { openStore, type Store } from "../src/store/index.ts";

const questionSchema = z
  .object({
    questions: z
      .array(
        z
          .object({
            q: z.string().min(5),
            framework: z.string().min(1),
            controls: z.array(z.string().min(1)).min(1),
            also: z.array(z.string().regex(/^[^:]+:.+$/, "framework:control")).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

type Question = z.infer<typeof questionSchema>["questions"][number];
type Mode = "bm25" | "vector" | "hybrid";
type Scope = "framework" | "corpus";

const MODES: Mode[] = ["bm25", "vector", "hybrid"];
const SCOPES: Scope[] = ["framework", "corpus"];
const RECALL_AT = 5;
const MRR_AT = 10;

interface Row {
  backend: string;
  scope: Scope;
  mode: Mode;
  recall: number;
  mrr: number;
  misses: string[];
}

function args() {
  const argv = process.argv.slice(2);
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    json: argv.includes("--json"),
    verbose: argv.includes("--verbose"),
    questions: value("--questions") ?? path.join(KNOWLEDGE_DIR, "eval", "retrieval-questions.yaml"),
  };
}

function expectedPairs(q: Question, scope: Scope): Set<string> {
  const own = q.controls.map((c) => `${q.framework}:${c}`);
  return new Set(scope === "framework" ? own : [...own, ...(q.also ?? [])]);
}

/** 1-based rank of the first passage that answers the question, or undefined. */
function firstHit(passages: Passage[], expected: Set<string>): number | undefined {
  const i = passages.findIndex((p) => p.controlId !== null && expected.has(`${p.framework}:${p.controlId}`));
  return i >= 0 ? i + 1 : undefined;
}

async function evaluate(
  name: string,
  kb: Knowledge,
  questions: Question[],
  verbose: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scope of SCOPES) {
    for (const mode of MODES) {
      let hits = 0;
      let rr = 0;
      const misses: string[] = [];
      for (const q of questions) {
        const passages = await kb.search(q.q, {
          k: MRR_AT,
          mode,
          frameworks: scope === "framework" ? [q.framework] : undefined,
        });
        const rank = firstHit(passages, expectedPairs(q, scope));
        if (rank !== undefined && rank <= RECALL_AT) hits++;
        if (rank !== undefined) rr += 1 / rank;
        if (rank === undefined || rank > RECALL_AT) {
          const got = passages
            .slice(0, 3)
            .map((p) => `${p.framework}:${p.controlId}`)
            .join(", ");
          misses.push(
            `${q.q}  [want ${[...expectedPairs(q, scope)].join(" | ")}; rank ${rank ?? "-"}; top: ${got}]`,
          );
        }
      }
      rows.push({
        backend: name,
        scope,
        mode,
        recall: hits / questions.length,
        mrr: rr / questions.length,
        misses,
      });
      if (verbose) for (const m of misses) process.stderr.write(`  miss ${name}/${scope}/${mode}: ${m}\n`);
    }
  }
  return rows;
}

/** Every expected control must exist in the corpus: a renamed heading must not silently lower the score. */
async function checkAnswersExist(kb: Knowledge, questions: Question[]) {
  const known = new Set<string>();
  for (const q of questions) {
    for (const pair of expectedPairs(q, "corpus")) {
      const [framework, ...rest] = pair.split(":");
      const control = rest.join(":");
      if (known.has(pair)) continue;
      const found = await kb.search(control, {
        k: 1,
        frameworks: [framework!],
        controlIds: [control],
        mode: "vector",
      });
      if (found.length === 0)
        throw new Error(`question "${q.q}" expects ${pair}, which is not in the corpus`);
      known.add(pair);
    }
  }
}

async function withBackend<T>(
  name: string,
  index: (store: Store) => KnowledgeIndex | undefined,
  fn: (kb: Knowledge, indexMs: number) => Promise<T>,
): Promise<T> {
  const store = await openStore({ dataDir: "memory://" });
  const idx = index(store);
  try {
    const kb = await createKnowledge({
      config: loadConfig({ ...process.env, OPENSEARCH_URL: undefined, DATABASE_URL: undefined }),
      store,
      cache: createMemoryCache(),
      index: idx,
      catalog: async () => ({ checks: [], builtinFrameworks: [] }),
    });
    const started = performance.now();
    const result = await kb.ensureBundledCorpus();
    const indexMs = Math.round(performance.now() - started);
    if (result.failed.length > 0)
      throw new Error(`${name}: corpus documents failed: ${JSON.stringify(result.failed)}`);
    process.stderr.write(`${name}: indexed ${result.documents} documents in ${indexMs} ms\n`);
    return await fn(kb, indexMs);
  } finally {
    if (idx instanceof OpenSearchKnowledgeIndex) {
      await idx.destroy().catch(() => {});
      await idx.close();
    }
    await store.close();
  }
}

function table(rows: Row[], questions: number): string {
  const lines = [
    `| backend | scope | mode | recall@${RECALL_AT} | MRR@${MRR_AT} |`,
    "|---|---|---|---|---|",
    ...rows.map(
      (r) => `| ${r.backend} | ${r.scope} | ${r.mode} | ${r.recall.toFixed(3)} | ${r.mrr.toFixed(3)} |`,
    ),
  ];
  return `${lines.join("\n")}\n\n${questions} questions; scope "framework" = search within the question's framework, "corpus" = all documents.\n`;
}

async function main() {
  const opts = args();
  const parsed = questionSchema.safeParse(parse(await readFile(opts.questions, "utf8")));
  if (!parsed.success) {
    throw new Error(
      `${opts.questions}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const questions = parsed.data.questions;
  const rows: Row[] = [];
  const timings: Record<string, number> = {};

  rows.push(
    ...(await withBackend(
      "pglite",
      () => undefined,
      async (kb, ms) => {
        timings.pglite = ms;
        await checkAnswersExist(kb, questions);
        return evaluate("pglite", kb, questions, opts.verbose);
      },
    )),
  );

  const url = process.env.TEST_OPENSEARCH_URL ?? process.env.OPENSEARCH_URL;
  if (url) {
    rows.push(
      ...(await withBackend(
        "opensearch",
        () =>
          new OpenSearchKnowledgeIndex({
            url,
            alias: `eval-${randomBytes(4).toString("hex")}-knowledge`,
            replicas: "auto",
          }),
        async (kb, ms) => {
          timings.opensearch = ms;
          return evaluate("opensearch", kb, questions, opts.verbose);
        },
      )),
    );
  } else {
    process.stderr.write("OpenSearch: skipped (set TEST_OPENSEARCH_URL or OPENSEARCH_URL to include it)\n");
  }

  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ questions: questions.length, timings, rows: rows.map(({ misses, ...r }) => ({ ...r, misses: misses.length })) }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(table(rows, questions.length));
  }
}

main().catch((error) => {
  process.stderr.write(`eval-retrieval: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
