import type { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { createWatcher, type EvaluationSummary } from "../../services/watch.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json } from "../output.ts";

interface WatchOptions {
  queueUrl?: string;
  once?: boolean;
  windowMs?: string;
  json?: boolean;
}

/** One line per evaluation: what changed, who did it, and which verdicts moved. */
export function evaluationLine(s: EvaluationSummary): string {
  const calls = [...new Set(s.events.map((e) => `${e.eventName} by ${e.actor.name}`))].join(", ");
  const changed =
    s.resources.map((r) => `${r.change} ${r.resourceType} ${r.resourceId}`).join("; ") || "no change read";
  const moved = s.transitions.map((t) => `${t.checkId} ${t.from ?? "new"}→${t.to}`).join(", ");
  const gaps = s.gaps.length
    ? ` · ${s.gaps.length} gap(s): ${s.gaps.map((g) => `${g.service}/${g.region} ${g.code}`).join(", ")}`
    : "";
  return `${new Date().toISOString()} ${s.evaluationId}: ${calls} → ${changed}${moved ? ` · ${moved}` : ""}${gaps}\n`;
}

export function registerWatch(program: Command, io: Io, globals: () => GlobalOptions) {
  program
    .command("watch")
    .description(
      "consume the events queue (EventBridge → SQS: CloudTrail calls, Config changes) and re-evaluate what changed",
    )
    .option("--queue-url <url>", "the SQS queue (ENFORCEAI_EVENTS_QUEUE_URL)")
    .option("--once", "stop when the queue is empty instead of waiting for more")
    .option(
      "--window-ms <ms>",
      "how long a burst of events is gathered before one evaluation (ENFORCEAI_EVENTS_WINDOW_MS)",
    )
    .option("--json", "one JSON object per evaluation on stdout, and the totals at the end")
    .action(async (opts: WatchOptions) => {
      let windowMs: number | undefined;
      if (opts.windowMs !== undefined) {
        windowMs = Number(opts.windowMs);
        if (!/^\d+$/.test(opts.windowMs) || windowMs > 60_000) {
          throw new UsageError(
            `--window-ms ${opts.windowMs} is not valid; give a whole number of milliseconds up to 60000`,
          );
        }
      }
      await withApp(io, globals(), async (app) => {
        const watcher = await createWatcher(app, {
          queueUrl: opts.queueUrl,
          settings: windowMs === undefined ? {} : { windowMs },
          onEvaluation: (summary) =>
            opts.json
              ? io.stdout.write(`${JSON.stringify(summary)}\n`)
              : io.stderr.write(evaluationLine(summary)),
        });
        const stop = new AbortController();
        const onSignal = () => stop.abort(new Error("stopped"));
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        if (!opts.once)
          io.stderr.write(`watching ${opts.queueUrl ?? app.config.events.queueUrl} (Ctrl-C stops)\n`);
        try {
          await watcher.run({ signal: stop.signal, untilEmpty: opts.once });
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          watcher.close();
        }
        const s = watcher.stats;
        if (opts.json) io.stdout.write(json({ stats: s }));
        else {
          const ignored = Object.values(s.ignored).reduce((a, b) => a + b, 0);
          io.stderr.write(
            `${s.messages} messages: ${s.changes} changes in ${s.evaluations} evaluations, ${ignored} ignored (${
              Object.entries(s.ignored)
                .filter(([, n]) => n > 0)
                .map(([k, n]) => `${n} ${k}`)
                .join(", ") || "none"
            }), ${s.duplicates} duplicates, ${s.malformed} malformed, ${s.deadLettered} dead-lettered\n`,
          );
        }
      });
    });
}
