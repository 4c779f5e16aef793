import type { Command } from "commander";
import { unstorableTextReason } from "../../domain/text.ts";
import { UsageError } from "../../errors.ts";
import { createSuppression, deleteSuppression } from "../../services/suppressions.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json } from "../output.ts";

interface AddOptions {
  check?: string;
  resourceArn?: string;
  tag?: string;
  account?: string;
  region?: string;
  reason?: string;
  owner?: string;
  expires?: string;
  json?: boolean;
}

/** `--expires 2027-01-31` or `--expires 30d`; a date in the past is refused. */
export function parseExpiry(value: string | undefined, now: Date): string | null {
  if (value === undefined) return null;
  const days = /^(\d+)d$/.exec(value);
  const at = days ? new Date(now.getTime() + Number(days[1]) * 86_400_000) : new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(
      `--expires ${value} is not a date; use an ISO date like 2027-01-31 or a number of days like 30d`,
    );
  }
  if (at.getTime() <= now.getTime())
    throw new UsageError(`--expires ${value} is in the past; give a future date`);
  return at.toISOString();
}

export function registerSuppressions(program: Command, io: Io, globals: () => GlobalOptions) {
  const cmd = program
    .command("suppressions")
    .description("mute findings with a reason, an owner and an expiry (they stay in reports, out of scores)");
  cmd
    .command("add")
    .description("add a suppression; every scope given must match (check, resource, tag, account, region)")
    .option("--check <id>", "a check id")
    .option("--resource-arn <arn>", "one resource")
    .option("--tag <key[=value]>", "resources carrying this tag (and value)")
    .option("--account <id>", "an account id")
    .option("--region <name>", "a region")
    .option("--reason <text>", "why this is accepted (required)")
    .option("--owner <name>", "who answers for it (required)")
    .option("--expires <date|Nd>", "when it stops applying, e.g. 2027-01-31 or 90d")
    .option("--json", "print JSON")
    .action(async (opts: AddOptions) => {
      if (!opts.reason?.trim()) throw new UsageError("--reason is required: say why the finding is accepted");
      if (!opts.owner?.trim())
        throw new UsageError("--owner is required: name who answers for the exception");
      if (!opts.check && !opts.resourceArn && !opts.tag && !opts.account && !opts.region) {
        throw new UsageError(
          "give at least one scope: --check, --resource-arn, --tag, --account or --region",
        );
      }
      const flags: [string, string | undefined][] = [
        ["--check", opts.check],
        ["--resource-arn", opts.resourceArn],
        ["--tag", opts.tag],
        ["--account", opts.account],
        ["--region", opts.region],
        ["--reason", opts.reason],
        ["--owner", opts.owner],
      ];
      for (const [flag, value] of flags) {
        const reason = value === undefined ? undefined : unstorableTextReason(value);
        if (reason) throw new UsageError(`${flag} ${reason}`);
      }
      const [tagKey, ...rest] = opts.tag?.split("=") ?? [];
      await withApp(io, globals(), async (app) => {
        const created = await createSuppression(
          app.store,
          {
            checkId: opts.check ?? null,
            resourceArn: opts.resourceArn ?? null,
            tagKey: tagKey || null,
            tagValue: rest.length > 0 ? rest.join("=") : null,
            accountId: opts.account ?? null,
            region: opts.region ?? null,
            reason: opts.reason!.trim(),
            owner: opts.owner!.trim(),
            expiresAt: parseExpiry(opts.expires, app.clock()),
            createdBy: app.config.user,
          },
          app.config.user,
        );
        if (opts.json) return void io.stdout.write(json(created));
        io.stdout.write(`suppression ${created.id} added; it applies from the next scan\n`);
      });
    });
  cmd
    .command("list")
    .description("list suppressions, with their expiry")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withApp(io, globals(), async (app) => {
        const list = await app.store.suppressions.list();
        if (opts.json) return void io.stdout.write(json(list));
        if (list.length === 0) return void io.stdout.write("No suppressions.\n");
        const now = app.clock().getTime();
        for (const s of list) {
          const scope = [
            s.checkId && `check=${s.checkId}`,
            s.resourceArn && `resource=${s.resourceArn}`,
            s.tagKey && `tag=${s.tagKey}${s.tagValue !== null ? `=${s.tagValue}` : ""}`,
            s.accountId && `account=${s.accountId}`,
            s.region && `region=${s.region}`,
          ]
            .filter(Boolean)
            .join(" ");
          const expiry = s.expiresAt
            ? `${new Date(s.expiresAt).getTime() <= now ? "expired" : "expires"} ${s.expiresAt}`
            : "no expiry";
          io.stdout.write(`${s.id}  ${scope}  (${expiry}; owner ${s.owner})  ${s.reason}\n`);
        }
      });
    });
  cmd
    .command("delete")
    .description("delete a suppression")
    .argument("<id>", "the suppression id")
    .action(async (id: string) => {
      await withApp(io, globals(), async (app) => {
        await deleteSuppression(app.store, id, app.config.user, app.clock());
        io.stdout.write(`suppression ${id} deleted\n`);
      });
    });
}
