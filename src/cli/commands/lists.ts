import type { Command } from "commander";
import { summarize } from "../../engine/frameworks.ts";
import { UsageError } from "../../errors.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json, table } from "../output.ts";

export function registerLists(program: Command, io: Io, globals: () => GlobalOptions) {
  const scans = program.command("scans").description("scans recorded in the store");
  scans
    .command("list")
    .description("list scans, newest first")
    .option("--json", "print JSON")
    .option("--limit <n>", "how many", "50")
    .action(async (opts: { json?: boolean; limit: string }) => {
      const limit = Number.parseInt(opts.limit, 10);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError("--limit takes a positive whole number");
      await withApp(io, globals(), async (app) => {
        const list = (await app.store.scans.list({ limit })).map((s) => ({
          id: s.id,
          status: s.status,
          startedAt: s.startedAt,
          completedAt: s.completedAt,
          resourceCount: s.resourceCount,
          findingCount: s.findingCount,
        }));
        if (opts.json) return void io.stdout.write(json(list));
        if (list.length === 0)
          return void io.stdout.write("No scans yet. Run `enforceai demo` or `enforceai scan`.\n");
        io.stdout.write(
          table([
            ["ID", "STATUS", "STARTED", "RESOURCES", "FINDINGS"],
            ...list.map((s) => [
              s.id,
              s.status,
              s.startedAt,
              String(s.resourceCount),
              String(s.findingCount),
            ]),
          ]),
        );
      });
    });

  const frameworks = program.command("frameworks").description("compliance frameworks EnforceAI scores");
  frameworks
    .command("list")
    .description("list frameworks with their control counts")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      // Through the store: ingested frameworks with confirmed mappings are listed too.
      await withApp(io, globals(), async (app) => {
        const list = (await app.catalog()).frameworks.map(summarize);
        if (opts.json) return void io.stdout.write(json(list));
        io.stdout.write(
          table([
            ["ID", "NAME", "VERSION", "CONTROLS", "AUTOMATED"],
            ...list.map((f) => [f.id, f.name, f.version, String(f.controls), String(f.automatedControls)]),
          ]),
        );
      });
    });
}
