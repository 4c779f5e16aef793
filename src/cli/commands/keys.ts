/**
 * `enforceai keys`: the API keys of `enforceai serve` — create, list, revoke — through the same service as
 * `/api/v1/keys`, each change with its audit entry (actor: ENFORCEAI_USER, normalised).
 */
import type { Command } from "commander";
import { ROLES, type Role } from "../../domain/roles.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../services/api-keys.ts";
import { choiceOption } from "../choices.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json, table } from "../output.ts";

export function registerKeys(program: Command, io: Io, globals: () => GlobalOptions) {
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
    .option("--name <name>", "who holds the key: their identity for four eyes (stored normalised)")
    .option("--same-holder", "the holder of an existing key with this name is the same person")
    .option("--json", "print JSON")
    .action(async (opts: { role: Role; name?: string; sameHolder?: boolean; json?: boolean }) => {
      await withApp(io, globals(), async (app) => {
        const created = await createApiKey(
          app,
          { role: opts.role, name: opts.name, sameHolder: opts.sameHolder },
          app.config.user,
        );
        if (opts.json)
          // CONTRACT.md: `{id, key, role}`.
          return void io.stdout.write(json({ id: created.id, key: created.key, role: created.role }));
        io.stdout.write(`${created.key}\n`);
        io.stderr.write(
          `API key ${created.id} (${created.role}${created.name ? `, ${created.name}` : ""}) created. Store it now: it is not shown again.\n`,
        );
      });
    });

  keys
    .command("list")
    .description("list API keys, revoked ones too (never the keys themselves)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withApp(io, globals(), async (app) => {
        const list = await listApiKeys(app);
        if (opts.json) return void io.stdout.write(json(list));
        if (list.length === 0)
          return void io.stdout.write(
            "No API keys yet. Create one with `enforceai keys create --role admin`.\n",
          );
        io.stdout.write(
          table([
            ["ID", "ROLE", "NAME", "CREATED", "LAST USED", "REVOKED"],
            ...list.map((k) => [
              k.id,
              k.role,
              k.name ?? "-",
              k.createdAt,
              k.lastUsedAt ?? "-",
              k.revokedAt ?? "-",
            ]),
          ]),
        );
      });
    });

  keys
    .command("revoke")
    .description("revoke an API key: it answers 401 from now on (servers: within their key cache time)")
    .argument("<keyId>", "the key's id (`enforceai keys list`)")
    .action(async (keyId: string) => {
      await withApp(io, globals(), async (app) => {
        await revokeApiKey(app, keyId, app.config.user);
        io.stderr.write(`API key ${keyId} revoked.\n`);
      });
    });
}
