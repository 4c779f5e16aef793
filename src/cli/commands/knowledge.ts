import type { Command } from "commander";
import type { App } from "../../app.ts";
import { EnforceAIError, UsageError } from "../../errors.ts";
import { DOCUMENT_FORMATS, type DocumentFormat } from "../../knowledge/loaders.ts";
import { createKnowledge, type IngestResult, type Knowledge } from "../../services/knowledge-base.ts";
import type { MappingRow } from "../../services/mappings.ts";
import type { KnowledgeDocument } from "../../store/documents.ts";
import { choiceOption } from "../choices.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json, table } from "../output.ts";

/** The knowledge base over the app's store, cache and logger (closed with the command). */
export async function withKnowledge<T>(
  io: Io,
  globals: GlobalOptions,
  fn: (knowledge: Knowledge, app: App) => Promise<T>,
): Promise<T> {
  return withApp(io, globals, async (app) => {
    let announced = false;
    const knowledge = await createKnowledge({
      config: app.config,
      store: app.store,
      cache: app.cache,
      logger: app.logger,
      engine: () => app.catalog(),
      onStatus: (e) => {
        if (!announced && e.status === "queued" && io.stderr.isTTY) {
          announced = true;
          io.stderr.write("indexing framework documents (first use)…\n");
        }
      },
    });
    try {
      return await fn(knowledge, app);
    } finally {
      await knowledge.close();
    }
  });
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean),
];

function positiveInt(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${name} takes a whole number from 1 to ${max}`);
  return n;
}

const FORMAT_ALIASES: Record<string, DocumentFormat> = { md: "markdown", txt: "text", htm: "html" };
const SEARCH_MODES = ["hybrid", "bm25", "vector"] as const;
const MAPPING_STATUSES = ["proposed", "confirmed", "rejected"] as const;

function documentJson(d: KnowledgeDocument, extra: Partial<IngestResult> = {}) {
  return {
    id: d.id,
    framework: d.framework,
    version: d.version,
    title: d.title,
    source: d.source,
    format: d.format,
    status: d.status,
    error: d.error,
    chunks: d.chunkCount,
    contentHash: d.contentHash,
    ...(extra.outcome ? { outcome: extra.outcome } : {}),
    ...(extra.embeddedTexts !== undefined ? { embeddedTexts: extra.embeddedTexts } : {}),
    extraction: d.extractionStatus
      ? { status: d.extractionStatus, error: d.extractionError, controls: d.controlsExtracted }
      : null,
    indexedAt: d.indexedAt,
    updatedAt: d.updatedAt,
  };
}

function mappingJson(m: MappingRow) {
  return {
    framework: m.framework,
    controlId: m.controlId,
    controlTitle: m.controlTitle,
    checkId: m.checkId,
    status: m.status,
    origin: m.origin,
    score: m.score,
    rationale: m.rationale,
    decidedBy: m.decidedBy,
    decidedAt: m.decidedAt,
  };
}

function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * `enforceai ingest FILE --framework ID [--version V]` and the `enforceai knowledge ...` commands: search,
 * documents, delete, reindex, and the mapping review (`mappings list|confirm|reject`).
 */
export function registerKnowledge(program: Command, io: Io, globals: () => GlobalOptions) {
  program
    .command("ingest")
    .description(
      "ingest a framework document (Markdown, text, HTML or PDF) into the knowledge base; prints its status",
    )
    .argument("<file>", "the document")
    .requiredOption("--framework <id>", "the framework the document belongs to, e.g. iso-27001-2022")
    .option(
      "--version <v>",
      "framework version (default: the document's front matter, else the one recorded before)",
    )
    .option("--title <title>", "document title (default: front matter, HTML title or first heading)")
    .addOption(
      choiceOption(
        "--format <format>",
        "force the format (md, txt and htm also do; default: from the file name and content)",
        DOCUMENT_FORMATS,
        (value) => `--format ${value} is not supported; use one of ${DOCUMENT_FORMATS.join(", ")}`,
        (value) => FORMAT_ALIASES[value] ?? value,
      ),
    )
    .option("--encoding <label>", "character encoding of a text file that is not UTF-8, e.g. windows-1252")
    .option("--json", "print JSON")
    .action(
      async (
        file: string,
        opts: {
          framework: string;
          version?: string;
          title?: string;
          format?: DocumentFormat;
          encoding?: string;
          json?: boolean;
        },
      ) => {
        const format = opts.format;
        await withKnowledge(io, globals(), async (knowledge, app) => {
          let result: IngestResult;
          try {
            result = await knowledge.ingestFile(file, {
              framework: opts.framework,
              version: opts.version,
              title: opts.title,
              format,
              encoding: opts.encoding,
              user: app.config.user,
            });
          } catch (error) {
            // the document's failed status (with the reason) is on record; show it, then fail the command
            if (opts.json && error instanceof EnforceAIError) {
              const failed = (await knowledge.listDocuments({ framework: opts.framework })).find(
                (d) => d.status === "failed" && file.endsWith(d.source),
              );
              if (failed) io.stdout.write(json(documentJson(failed)));
            }
            throw error;
          }
          const d = result.document;
          if (opts.json) return void io.stdout.write(json(documentJson(d, result)));
          const what =
            result.outcome === "unchanged"
              ? `unchanged: ${d.source} is already indexed (${d.chunkCount} chunks)`
              : `indexed ${d.source}: ${d.chunkCount} chunks (${result.embeddedTexts} embedded)`;
          io.stdout.write(
            `${what}\n  id ${d.id}  framework ${d.framework}  version ${d.version}  status ${d.status}\n`,
          );
          if (d.extractionStatus === "extracted") {
            io.stdout.write(
              `  controls extracted: ${d.controlsExtracted}; review the proposed check mappings with\n` +
                `  enforceai knowledge mappings list --framework ${d.framework}\n`,
            );
          } else if (d.extractionStatus === "failed") {
            io.stdout.write(`  control extraction failed: ${d.extractionError}\n`);
          }
        });
      },
    );

  const knowledge = program
    .command("knowledge")
    .description("the framework knowledge base: search, documents, mappings");

  knowledge
    .command("search")
    .description("search framework passages (hybrid BM25 + vector ranking), best first")
    .argument("<question>", "what to look for, in your own words")
    .option("--k <n>", "how many passages", "5")
    .option("--framework <id>", "only these frameworks (repeat or comma-separate)", collect)
    .option("--control <id>", "only these control ids (repeat or comma-separate)", collect)
    .option("--version <v>", "only this framework version")
    .addOption(
      choiceOption(
        "--mode <mode>",
        "ranking",
        SEARCH_MODES,
        (value) => `--mode ${value} is not supported; use hybrid, bm25 or vector`,
      ).default("hybrid"),
    )
    .option("--json", "print JSON: [{framework, version, controlId, score, text, source}]")
    .action(
      async (
        question: string,
        opts: {
          k: string;
          framework?: string[];
          control?: string[];
          version?: string;
          mode: (typeof SEARCH_MODES)[number];
          json?: boolean;
        },
      ) => {
        const k = positiveInt("--k", opts.k, 100);
        await withKnowledge(io, globals(), async (kb) => {
          const passages = await kb.search(question, {
            k,
            frameworks: opts.framework,
            controlIds: opts.control,
            version: opts.version,
            mode: opts.mode,
          });
          if (opts.framework && passages.length === 0) {
            const known = new Set((await kb.listDocuments()).map((d) => d.framework));
            const unknown = opts.framework.filter((f) => !known.has(f));
            if (unknown.length > 0) {
              throw new UsageError(
                `no documents for framework ${unknown.join(", ")}; known: ${[...known].sort().join(", ") || "none"}`,
              );
            }
          }
          if (opts.json) {
            return void io.stdout.write(
              json(
                passages.map((p) => ({
                  framework: p.framework,
                  version: p.version,
                  controlId: p.controlId,
                  score: p.score,
                  text: p.text,
                  source: p.source,
                })),
              ),
            );
          }
          if (passages.length === 0) return void io.stdout.write("No passages found.\n");
          const width = Math.max(60, Math.min(160, (io.stdout.columns ?? 100) - 6));
          passages.forEach((p, i) => {
            const where = [p.source, p.location.page ? `p. ${p.location.page}` : ""]
              .filter(Boolean)
              .join(" ");
            io.stdout.write(
              `${i + 1}. ${p.framework} ${p.version}  ${p.controlId ?? "-"}  (score ${p.score})  ${where}\n` +
                (p.location.section ? `   ${oneLine(p.location.section, width)}\n` : "") +
                `   ${oneLine(p.text.replace(/^#+\s.*\n/, ""), width * 2)}\n`,
            );
          });
        });
      },
    );

  knowledge
    .command("documents")
    .description("list ingested documents with their status")
    .option("--framework <id>", "only this framework")
    .option("--json", "print JSON")
    .action(async (opts: { framework?: string; json?: boolean }) => {
      await withKnowledge(io, globals(), async (kb) => {
        await kb.ensureBundledCorpus();
        const docs = await kb.listDocuments({ framework: opts.framework });
        if (opts.json) return void io.stdout.write(json(docs.map((d) => documentJson(d))));
        if (docs.length === 0) return void io.stdout.write("No documents.\n");
        io.stdout.write(
          table([
            ["ID", "FRAMEWORK", "VERSION", "SOURCE", "STATUS", "CHUNKS", "ERROR"],
            ...docs.map((d) => [
              d.id,
              d.framework,
              d.version,
              d.source,
              d.status,
              String(d.chunkCount),
              oneLine(d.error ?? "", 60),
            ]),
          ]),
        );
      });
    });

  knowledge
    .command("delete")
    .description("delete a document and its passages from the knowledge base")
    .argument("<id>", "document id (see `enforceai knowledge documents`)")
    .action(async (id: string) => {
      await withKnowledge(io, globals(), async (kb, app) => {
        const doc = await kb.getDocument(id);
        await kb.deleteDocument(id, app.config.user);
        io.stdout.write(`deleted ${doc.source} (${doc.framework})\n`);
      });
    });

  knowledge
    .command("reindex")
    .description("rebuild the index with the current embedding model (no downtime)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withKnowledge(io, globals(), async (kb) => {
        const r = await kb.reindex();
        if (opts.json) return void io.stdout.write(json(r));
        io.stdout.write(`reindexed ${r.chunks} chunks${r.to ? ` into ${r.to}` : ""}\n`);
      });
    });

  const mappings = knowledge
    .command("mappings")
    .description(
      "proposed control → check mappings of ingested frameworks, for a person to confirm or reject",
    );

  mappings
    .command("list")
    .description("list the mappings of an ingested framework")
    .requiredOption("--framework <id>", "the ingested framework")
    .addOption(
      choiceOption(
        "--status <status>",
        "only mappings in this status",
        MAPPING_STATUSES,
        (value) => `--status ${value} is not supported; use proposed, confirmed or rejected`,
      ),
    )
    .option("--json", "print JSON")
    .action(
      async (opts: { framework: string; status?: (typeof MAPPING_STATUSES)[number]; json?: boolean }) => {
        await withKnowledge(io, globals(), async (kb) => {
          const rows = await kb.listMappings(opts.framework, opts.status);
          if (opts.json) return void io.stdout.write(json(rows.map(mappingJson)));
          if (rows.length === 0) {
            return void io.stdout.write(
              `No mappings for ${opts.framework}. Ingest its document with \`enforceai ingest FILE --framework ${opts.framework}\`.\n`,
            );
          }
          io.stdout.write(
            table([
              ["CONTROL", "CHECK", "STATUS", "SCORE", "DECIDED BY", "TITLE"],
              ...rows.map((m) => [
                m.controlId,
                m.checkId,
                m.status,
                m.score === null ? "" : m.score.toFixed(3),
                m.decidedBy ?? "",
                oneLine(m.controlTitle, 50),
              ]),
            ]),
          );
        });
      },
    );

  for (const [name, decision] of [
    ["confirm", "confirmed"],
    ["reject", "rejected"],
  ] as const) {
    mappings
      .command(name)
      .description(`${name} a mapping (recorded with your identity, ENFORCEAI_USER)`)
      .requiredOption("--framework <id>", "the ingested framework")
      .requiredOption("--control <id>", "the control id")
      .requiredOption("--check <id>", "the check id")
      .option("--json", "print JSON")
      .action(async (opts: { framework: string; control: string; check: string; json?: boolean }) => {
        await withKnowledge(io, globals(), async (kb, app) => {
          const row = await kb.decideMapping({
            framework: opts.framework,
            controlId: opts.control,
            checkId: opts.check,
            decision,
            user: app.config.user,
          });
          if (opts.json) return void io.stdout.write(json(mappingJson(row)));
          io.stdout.write(
            `${decision} ${row.framework} ${row.controlId} → ${row.checkId} (by ${row.decidedBy})\n`,
          );
        });
      });
  }
}
