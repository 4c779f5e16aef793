import type { Command } from "commander";
import { awsAccess } from "../../../tools/aws/access.ts";
import {
  applyEventsSetup,
  EVENTS_SETUP_DEFAULTS,
  type EventsSetupResult,
} from "../../../tools/aws/events-setup.ts";
import { loadConfig } from "../../config/index.ts";
import { UsageError } from "../../errors.ts";
import { loadEventTable } from "../../events/table.ts";
import { EVENT_TABLE_FILE } from "../../paths.ts";
import type { GlobalOptions } from "../context.ts";
import { type Io, json } from "../output.ts";

interface SetupOptions {
  region: string;
  dryRun?: boolean;
  queueName?: string;
  dlqName?: string;
  ruleName?: string;
  configRuleName?: string;
  maxReceiveCount?: string;
  roleArn?: string;
  externalId?: string;
  json?: boolean;
}

/** The distinct CloudTrail eventSource values of the event table, sorted. */
export async function eventTableSources(file = EVENT_TABLE_FILE): Promise<string[]> {
  const table = await loadEventTable(file);
  const sources = new Set<string>();
  for (const rules of table.rules.values()) for (const rule of rules) sources.add(rule.source);
  return [...sources].sort();
}

function parseCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw new UsageError(`--max-receive-count "${value}" is not a whole number; pass one from 1 to 1000`);
  }
  return Number.parseInt(value, 10);
}

function summary(result: EventsSetupResult): string {
  const lines: string[] = [];
  lines.push(
    result.dryRun
      ? `Dry run: nothing was changed in account ${result.account}, ${result.region}. The setup would make:`
      : `Event queue for account ${result.account} in ${result.region}:`,
  );
  for (const r of result.resources) {
    const changed = r.changed ? ` (${r.changed.join(", ")})` : "";
    lines.push(`  ${r.status.padEnd(9)} ${r.kind.padEnd(12)} ${r.name}${changed}`);
  }
  lines.push("");
  lines.push(`Queue URL: ${result.queueUrl}`);
  lines.push(`DLQ URL:   ${result.dlqUrl}`);
  lines.push(`Rule ARNs: ${result.ruleArns.join(", ")}`);
  if (result.dryRun) {
    lines.push("");
    lines.push("Plan (every resource as it would be created):");
    lines.push(JSON.stringify(result.plan.resources, null, 2));
  }
  lines.push("");
  lines.push("Run the watcher with:");
  lines.push(`  export ENFORCEAI_EVENTS_QUEUE_URL=${result.queueUrl}`);
  lines.push("  enforceai watch");
  lines.push("");
  lines.push(
    "IAM policy the watcher needs (re-reading resources uses the scan policy, docs/iam/enforceai-scan-policy.json):",
  );
  lines.push(JSON.stringify(result.watcherPolicy, null, 2));
  if (result.region !== "us-east-1") {
    lines.push("");
    lines.push(
      "Note: CloudTrail delivers events of global services (IAM, STS) to EventBridge in us-east-1 only; run the setup there too to follow them.",
    );
  }
  return `${lines.join("\n")}\n`;
}

export function registerEvents(program: Command, io: Io, _globals: () => GlobalOptions) {
  const events = program
    .command("events")
    .description("the AWS side of continuous compliance (EventBridge rule → SQS queue → enforceai watch)");
  events
    .command("setup")
    .description(
      "create or update the EventBridge rules, the SQS queue, its DLQ and the queue policy in an account, and print the IAM the watcher needs",
    )
    .requiredOption("--region <region>", "the region to set up (one rule and queue per region)")
    .option("--dry-run", "change nothing: print every resource the setup would create")
    .option("--queue-name <name>", "the queue's name", EVENTS_SETUP_DEFAULTS.queueName)
    .option("--dlq-name <name>", "the dead-letter queue's name", EVENTS_SETUP_DEFAULTS.dlqName)
    .option("--rule-name <name>", "the CloudTrail rule's name", EVENTS_SETUP_DEFAULTS.ruleName)
    .option("--config-rule-name <name>", "the AWS Config rule's name", EVENTS_SETUP_DEFAULTS.configRuleName)
    .option(
      "--max-receive-count <n>",
      "deliveries of an event before it is moved to the DLQ",
      String(EVENTS_SETUP_DEFAULTS.maxReceiveCount),
    )
    .option("--role-arn <arn>", "assume this role to set up its account")
    .option("--external-id <id>", "external id the role's trust policy requires")
    .option("--json", "print JSON")
    .action(async (opts: SetupOptions) => {
      const config = loadConfig(io.env, { isTTY: !!io.stderr.isTTY });
      if (opts.externalId && !opts.roleArn) {
        throw new UsageError("--external-id goes with --role-arn; add the role or drop the external id");
      }
      const maxReceiveCount = parseCount(opts.maxReceiveCount);
      const eventSources = await eventTableSources();
      const { aws } = config;
      const access = awsAccess({
        homeRegion: opts.region,
        endpoint: aws.endpoint,
        serviceEndpoints: aws.serviceEndpoints,
        maxAttempts: aws.maxAttempts ?? 3,
        retryMode: aws.retryMode,
        ...(opts.roleArn
          ? { roleArn: opts.roleArn, externalId: opts.externalId, sessionName: "enforceai-events-setup" }
          : {}),
      });
      try {
        const result = await applyEventsSetup(access, {
          region: opts.region,
          eventSources,
          queueName: opts.queueName,
          dlqName: opts.dlqName,
          ruleName: opts.ruleName,
          configRuleName: opts.configRuleName,
          maxReceiveCount,
          dryRun: opts.dryRun,
        });
        io.stdout.write(
          opts.json
            ? json({
                dryRun: result.dryRun,
                account: result.account,
                region: result.region,
                queueUrl: result.queueUrl,
                dlqUrl: result.dlqUrl,
                queueArn: result.queueArn,
                dlqArn: result.dlqArn,
                ruleArns: result.ruleArns,
                eventSources,
                resources: result.resources,
                plan: result.dryRun ? result.plan.resources : undefined,
                environment: { ENFORCEAI_EVENTS_QUEUE_URL: result.queueUrl },
                watcherPolicy: result.watcherPolicy,
              })
            : summary(result),
        );
      } finally {
        access.destroy();
      }
    });
}
