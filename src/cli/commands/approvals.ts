/**
 * `enforceai approvals`: the approval queue (CONTRACT.md) — list, show, approve, reject — plus execute and
 * rollback. The CLI acts as ENFORCEAI_USER; approvers are the user names in ENFORCEAI_APPROVERS.
 */
import type { Command } from "commander";
import type { App } from "../../app.ts";
import { ServiceError, UsageError } from "../../errors.ts";
import type { ExecutionOutcome } from "../../remediation/executor.ts";
import type { ApprovalDetail, ApprovalSummary, RemediationService } from "../../remediation/service.ts";
import { remediationAccess, remediationService, scanAccess } from "../../services/remediation.ts";
import { APPROVAL_STATUSES, type ApprovalStatus } from "../../store/remediations.ts";
import { choiceListOption } from "../choices.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json, table } from "../output.ts";

async function serviceFor(app: App, _io: Io): Promise<RemediationService> {
  return remediationService(app);
}

/** The remediation credentials, made on first use (a dry run never needs them). */
function awsFor(app: App, _service: RemediationService) {
  return () => remediationAccess(app);
}

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function renderDetail(d: ApprovalDetail): string {
  const lines: string[] = [];
  lines.push(`${d.id}  ${d.title}`);
  lines.push(`  status        ${d.status} (remediation ${d.remediationStatus})`);
  lines.push(`  resource      ${d.resourceArn} (${d.region})`);
  lines.push(`  strategy      ${d.strategy}: ${d.strategyDecision.rationale}`);
  lines.push(`  risk          ${d.risk} change; findings up to ${d.severity}`);
  lines.push(`  requested by  ${d.requestedBy} at ${d.createdAt}; expires ${d.expiresAt}`);
  lines.push(`  approvals     ${d.approvals} of ${d.requiredApprovals}`);
  lines.push(`  reason        ${d.reason}`);
  lines.push("  findings");
  for (const f of d.findings) lines.push(`    ${f.severity.padEnd(8)} ${f.checkId}: ${f.reason}`);
  if (d.plan) {
    lines.push("  calls (exactly these are sent)");
    for (const c of d.plan.calls)
      lines.push(`    ${c.service}:${c.operation} ${c.region}  ${JSON.stringify(c.input)}`);
    lines.push("  changes");
    for (const c of d.plan.changes) {
      lines.push(`    ${c.field}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
    }
    lines.push(`  rollback      ${d.plan.rollback}`);
    for (const note of d.plan.notes) lines.push(`  note          ${note}`);
  } else {
    lines.push(`  no automatic plan: ${d.planError ?? "a person makes the change"}`);
  }
  const task = d.strategyDecision.task;
  if (task) {
    lines.push(`  task          ${task.title}`);
    task.steps.forEach((s, i) => {
      lines.push(`    ${i + 1}. ${s}`);
    });
    if (task.compensatingControl) lines.push(`  alternative   ${task.compensatingControl}`);
  }
  if (d.decisions.length > 0) {
    lines.push("  decisions");
    for (const x of d.decisions) {
      lines.push(`    ${x.decidedAt} ${x.decidedBy} ${x.decision}${x.comment ? `: ${x.comment}` : ""}`);
    }
  }
  if (d.executions.length > 0) {
    lines.push("  executions");
    for (const e of d.executions) {
      lines.push(`    ${e.id} ${e.status} started ${e.startedAt}${e.error ? `: ${e.error}` : ""}`);
    }
  }
  if (d.verification)
    lines.push(`  verification  ${String(d.verification.status)} at ${String(d.verification.at)}`);
  return `${lines.join("\n")}\n`;
}

function describeOutcome(o: ExecutionOutcome): string {
  const what = `${o.approvalId} ${o.actionId}`;
  switch (o.outcome) {
    case "dry-run":
      return [
        `${what}: dry run, nothing sent${o.reason && o.reason !== "nothing was sent" ? ` (${o.reason})` : ""}`,
        ...(o.calls ?? []).map(
          (c) => `  would call ${c.service}:${c.operation} ${c.region} ${JSON.stringify(c.input)}`,
        ),
        ...(o.changes ?? []).map(
          (c) => `  would change ${c.field}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`,
        ),
      ].join("\n");
    case "succeeded":
      return `${what}: done${o.alreadyApplied ? " (the change was already in place; nothing sent)" : ""}${o.reason ? ` — ${o.reason}` : ""}`;
    case "failed":
      return `${what}: FAILED: ${o.error}`;
    default:
      return `${what}: ${o.outcome}${o.reason ? ` — ${o.reason}` : ""}`;
  }
}

export function registerApprovals(program: Command, io: Io, globals: () => GlobalOptions) {
  const approvals = program
    .command("approvals")
    .description("the remediation approval queue: nothing changes in AWS without an approval");

  approvals
    .command("list")
    .description("list approval requests, newest first")
    .option("--json", "print JSON")
    .addOption(
      choiceListOption(
        "--status <status>",
        "only requests in these statuses (comma-separated)",
        APPROVAL_STATUSES,
        (value) => `--status ${value} is not a status; use one of ${APPROVAL_STATUSES.join(", ")}`,
      ),
    )
    .option("--scan <id>", "only the requests of this scan")
    .option("--limit <n>", "how many", "100")
    .action(async (opts: { json?: boolean; status?: ApprovalStatus[]; scan?: string; limit: string }) => {
      const statuses = opts.status;
      const limit = Number.parseInt(opts.limit, 10);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError("--limit takes a positive whole number");
      await withApp(io, globals(), async (app) => {
        const service = await serviceFor(app, io);
        const list: ApprovalSummary[] = await service.listApprovals({
          status: statuses,
          scanId: opts.scan,
          limit,
        });
        if (opts.json) return void io.stdout.write(json(list));
        if (list.length === 0)
          return void io.stdout.write("No approval requests. Run `enforceai scan --auto-remediate`.\n");
        io.stdout.write(
          table([
            [
              "ID",
              "STATUS",
              "ACTION",
              "STRATEGY",
              "RISK",
              "APPROVALS",
              "RESOURCE",
              "REQUESTED BY",
              "EXPIRES",
            ],
            ...list.map((a) => [
              a.id,
              a.status,
              a.actionId,
              a.strategy,
              a.risk,
              `${a.approvals}/${a.requiredApprovals}`,
              short(a.resourceArn, 60),
              a.requestedBy,
              a.expiresAt,
            ]),
          ]),
        );
      });
    });

  approvals
    .command("show <id>")
    .description("show one request: the exact calls, the changes, decisions and executions")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApp(io, globals(), async (app) => {
        const detail = await (await serviceFor(app, io)).show(id);
        io.stdout.write(opts.json ? json(detail) : renderDetail(detail));
      });
    });

  for (const decision of ["approve", "reject"] as const) {
    approvals
      .command(`${decision} <id>`)
      .description(`${decision} a request as ENFORCEAI_USER (needs to be listed in ENFORCEAI_APPROVERS)`)
      .option("--comment <text>", "why")
      .option("--json", "print the request as JSON afterwards")
      .action(async (id: string, opts: { comment?: string; json?: boolean }) => {
        await withApp(io, globals(), async (app) => {
          const service = await serviceFor(app, io);
          const detail = await service.decide(id, app.config.user, decision, opts.comment);
          if (opts.json) return void io.stdout.write(json(detail));
          const next =
            detail.status === "approved"
              ? `approved; it runs when the scan resumes or with \`enforceai approvals execute ${id}\``
              : detail.status === "pending"
                ? `${detail.approvals} of ${detail.requiredApprovals} approvals; waiting for another approver`
                : detail.status;
          io.stdout.write(
            `${id}: ${decision === "approve" ? "approved" : "rejected"} by ${app.config.user} — ${next}\n`,
          );
        });
      });
  }

  approvals
    .command("execute [id]")
    .description(
      "run approved requests (one, or all of a scan) exactly once with the remediation credentials",
    )
    .option("--scan <id>", "every approved request of this scan")
    .option("--dry-run", "print the exact calls and change nothing")
    .option("--no-verify", "do not re-discover and re-evaluate afterwards")
    .option("--json", "print JSON")
    .action(
      async (
        id: string | undefined,
        opts: { scan?: string; dryRun?: boolean; verify: boolean; json?: boolean },
      ) => {
        if (!id === !opts.scan) throw new UsageError("give one request id or --scan ID");
        await withApp(io, globals(), async (app) => {
          const service = await serviceFor(app, io);
          const aws = awsFor(app, service);
          const outcomes = await service.executeApproved(
            id ? { approvalId: id } : { scanId: opts.scan! },
            aws,
            {
              dryRun: opts.dryRun === true,
            },
          );
          const verifications = [];
          if (!opts.dryRun && opts.verify) {
            for (const o of outcomes) {
              if (o.outcome !== "succeeded" || o.strategy === "manual" || o.strategy === "compensating")
                continue;
              const result = await service.verify(o.approvalId, () => scanAccess(app));
              verifications.push({ approvalId: o.approvalId, ...result });
            }
          }
          if (opts.json) return void io.stdout.write(json({ outcomes, verifications }));
          for (const o of outcomes) io.stdout.write(`${describeOutcome(o)}\n`);
          for (const v of verifications) io.stdout.write(`${v.approvalId}: verification ${v.status}\n`);
          if (outcomes.length === 0) io.stdout.write("Nothing approved to run.\n");
          const failed = outcomes.filter((o) => o.outcome === "failed").length;
          if (failed > 0) {
            throw new ServiceError(
              `${failed} of ${outcomes.length} remediation${outcomes.length === 1 ? "" : "s"} failed; see \`enforceai approvals show ID\``,
            );
          }
        });
      },
    );

  approvals
    .command("rollback <id>")
    .description("put the configuration captured before the change back (approver only; once)")
    .option("--comment <text>", "why")
    .action(async (id: string, opts: { comment?: string }) => {
      await withApp(io, globals(), async (app) => {
        const service = await serviceFor(app, io);
        const outcome = await service.rollback(id, app.config.user, awsFor(app, service), {
          comment: opts.comment,
        });
        io.stdout.write(`${describeOutcome(outcome)}\n`);
      });
    });
}
