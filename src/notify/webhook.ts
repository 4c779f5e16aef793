/**
 * Manual tasks go to a webhook as Slack-compatible JSON: `{ text, blocks }` (Block Kit section and context
 * blocks). `text` is the fallback every receiver shows; resource names and tags inside it are data, escaped
 * for Slack's mrkdwn so they cannot turn into mentions or links.
 */

import type { ManualTask } from "../domain/remediation.ts";
import { errorMessage, ServiceError } from "../errors.ts";

export interface TaskMessageInput {
  approvalId: string;
  strategy: "manual" | "compensating";
  task: ManualTask;
  resourceArn: string;
  findings: { checkId: string; severity: string; title: string }[];
  approvedBy: string[];
}

/** Slack mrkdwn escaping: `&`, `<`, `>` are the only control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

export function taskMessage(input: TaskMessageInput): SlackMessage {
  const what = input.strategy === "manual" ? "Manual remediation task" : "Compensating control to document";
  const findings = input.findings
    .map((f) => `• ${f.severity.toUpperCase()} ${f.checkId}: ${f.title}`)
    .join("\n");
  const steps = input.task.steps.map((s, i) => `${i + 1}. ${s}`).join("\n");
  const text = [
    `${what}: ${input.task.title}`,
    `Resource: ${input.resourceArn}`,
    `Approval: ${input.approvalId} (approved by ${input.approvedBy.join(", ")})`,
    `Findings:\n${findings}`,
    input.task.compensatingControl ? `Alternative control: ${input.task.compensatingControl}` : undefined,
    steps ? `Steps:\n${steps}` : undefined,
    input.task.cli ? `CLI: ${input.task.cli}` : undefined,
  ]
    .filter(Boolean)
    .join("\n");
  const section = (body: string) => ({
    type: "section",
    text: { type: "mrkdwn", text: escapeMrkdwn(body).slice(0, 2900) },
  });
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: `${what}`.slice(0, 150) } },
    section(`*${input.task.title}*\nResource: \`${input.resourceArn}\``),
    section(`*Findings*\n${findings}`),
  ];
  if (input.task.compensatingControl)
    blocks.push(section(`*Alternative control*\n${input.task.compensatingControl}`));
  if (steps) blocks.push(section(`*Steps*\n${steps}`));
  if (input.task.cli) blocks.push(section(`*CLI*\n\`\`\`${input.task.cli}\`\`\``));
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: escapeMrkdwn(
          `EnforceAI approval ${input.approvalId} · approved by ${input.approvedBy.join(", ")}`,
        ),
      },
    ],
  });
  return { text: escapeMrkdwn(text), blocks };
}

export interface PostOptions {
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** POSTs the message; a non-2xx answer or a network failure is a ServiceError naming the status. */
export async function postWebhook(
  url: string,
  message: SlackMessage,
  options: PostOptions = {},
): Promise<number> {
  const doFetch = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new ServiceError(
      `the webhook at ${new URL(url).host} could not be reached: ${errorMessage(error)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  await response.text().catch(() => "");
  if (!response.ok) {
    throw new ServiceError(`the webhook at ${new URL(url).host} answered HTTP ${response.status}`);
  }
  return response.status;
}
