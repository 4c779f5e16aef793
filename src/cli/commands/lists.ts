import type { Command } from "commander";
import { ROLES, type Role } from "../../domain/roles.ts";
import { summarize } from "../../engine/frameworks.ts";
import { UsageError } from "../../errors.ts";
import { choiceOption } from "../choices.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json } from "../output.ts";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

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

  const keys = program.command("keys").description("API keys for `enforceai serve`");
  keys
    .command("create")
    .description("create an API key; the key is shown once")
    .addOption(
      choiceOption(
        "--role <role>",
        "what the key may do",
        ROLES,
        (value) => `--role ${value} is not a role; use one of ${ROLES.join(", ")}`,
      ).makeOptionMandatory(),
    )
    .option("--name <name>", "a label to recognise the key by")
    .option("--json", "print JSON")
    .action(async (opts: { role: Role; name?: string; json?: boolean }) => {
      await withApp(io, globals(), async (app) => {
        // The key and its audit entry commit together: no key exists that the audit log does not show.
        const created = await app.store.transaction(async (tx) => {
          const key = await tx.apiKeys.create(opts.role, app.config.user, opts.name);
          await tx.audit.append({
            actor: app.config.user,
            action: "api_key.created",
            subjectType: "api_key",
            subjectId: key.id,
            details: { role: key.role, name: key.name },
          });
          return key;
        });
        if (opts.json)
          return void io.stdout.write(json({ id: created.id, key: created.key, role: created.role }));
        io.stdout.write(`${created.key}\n`);
        io.stderr.write(
          `API key ${created.id} (${created.role}) created. Store it now: it is not shown again.\n`,
        );
      });
    });
}
