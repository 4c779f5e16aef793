/**
 * What the watcher tells people when an event changes a verdict: a new failure or a resolution, which call
 * did it and who made it, and the framework controls at stake. One Slack-compatible message per evaluation
 * (`{ text, blocks }`) and one JSON notice for SNS. Names, tags and actors are data: escaped for mrkdwn.
 */
import { escapeMrkdwn, type SlackMessage } from "./webhook.ts";

export interface ChangeNoticeItem {
  kind: "new-failure" | "resolved";
  checkId: string;
  title: string;
  severity: string;
  resourceArn: string;
  from: string | null;
  to: string;
  reason: string;
  frameworks: { framework: string; controlId: string }[];
  /** The call that caused it and its caller. */
  cause?: { eventName: string; source: string; actor: string; at: string };
}

export interface ChangeNotice {
  evaluationId: string;
  items: ChangeNoticeItem[];
}

const MAX_LISTED = 20;

export function citationsOf(frameworks: ChangeNoticeItem["frameworks"]): string {
  return frameworks.map((f) => `${f.framework} ${f.controlId}`).join(", ");
}

export function changeMessage(notice: ChangeNotice): SlackMessage {
  const failures = notice.items.filter((i) => i.kind === "new-failure");
  const resolved = notice.items.filter((i) => i.kind === "resolved");
  const headline = [
    failures.length ? `${failures.length} new failure${failures.length === 1 ? "" : "s"}` : "",
    resolved.length ? `${resolved.length} resolved` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const line = (i: ChangeNoticeItem) => {
    const cause = i.cause ? ` — ${i.cause.eventName} by ${i.cause.actor}` : "";
    const cites = i.frameworks.length ? ` [${citationsOf(i.frameworks)}]` : "";
    return `• ${i.kind === "new-failure" ? "FAIL" : "RESOLVED"} ${i.severity.toUpperCase()} ${i.checkId} on ${i.resourceArn}${cause}${cites}`;
  };
  const listed = notice.items.slice(0, MAX_LISTED).map(line);
  if (notice.items.length > MAX_LISTED) listed.push(`… and ${notice.items.length - MAX_LISTED} more`);
  const text = `EnforceAI: ${headline} after a change (evaluation ${notice.evaluationId})\n${listed.join("\n")}`;
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: `EnforceAI: ${headline}`.slice(0, 150) } },
  ];
  for (const i of notice.items.slice(0, MAX_LISTED)) {
    const body = [
      `*${i.kind === "new-failure" ? "New failure" : "Resolved"}* · ${i.severity.toUpperCase()} · \`${i.checkId}\``,
      `${i.title}`,
      `Resource: \`${i.resourceArn}\``,
      i.cause ? `Cause: ${i.cause.eventName} (${i.cause.source}) by ${i.cause.actor} at ${i.cause.at}` : "",
      i.frameworks.length ? `Controls: ${citationsOf(i.frameworks)}` : "",
      i.kind === "new-failure" ? `Why: ${i.reason}` : "",
    ]
      .filter(Boolean)
      .join("\n");
    blocks.push({ type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(body).slice(0, 2900) } });
  }
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: escapeMrkdwn(`EnforceAI evaluation ${notice.evaluationId}`) }],
  });
  return { text: escapeMrkdwn(text), blocks };
}

/** The SNS notice: a short subject and the machine-readable items. */
export function snsNotice(notice: ChangeNotice): { subject: string; message: string } {
  const failures = notice.items.filter((i) => i.kind === "new-failure").length;
  const resolved = notice.items.length - failures;
  // SNS subjects: ASCII, no line breaks, at most 100 characters.
  const subject = `EnforceAI: ${failures} new failures, ${resolved} resolved`.slice(0, 100);
  return {
    subject,
    message: JSON.stringify({ type: "enforceai.compliance-change", ...notice }),
  };
}
