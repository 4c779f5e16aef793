/**
 * The chat agent without a language model. A deterministic "chat model" stands in for the real one inside the
 * same agent: it routes the user's question to the same tools by intent (keywords, control ids, ARNs, finding
 * ids) and writes the answer from templates over the tools' results, with the same citation markers. Routing
 * reads the user's question only — never tool results — so text inside resource data cannot steer it.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Catalog } from "../../src/engine/catalog.ts";
import { unwrapToolData } from "./data.ts";
import type { ToolName } from "./tools.ts";

export const NO_MODEL_NOTE =
  "(Running without a language model: this answer is assembled from templates over the same tools a model would use.)";

export interface PlannedCall {
  name: ToolName;
  args: Record<string, unknown>;
}

type Frameworks = Catalog["frameworks"];

const SERVICES: [RegExp, string][] = [
  [/\b(s3|buckets?)\b/, "s3"],
  [/\b(iam|users?|roles?|root account|root user|password policy|access keys?|mfa)\b/, "iam"],
  [/\b(ec2|instances?|security groups?|ebs|volumes?|amis?)\b/, "ec2"],
  [/\b(vpcs?|flow logs?|network acls?|nacls?)\b/, "vpc"],
  [/\b(rds|databases?|db instances?|aurora)\b/, "rds"],
  [/\b(lambdas?|functions?)\b/, "lambda"],
  [/\b(kms|cmks?|customer managed keys?)\b/, "kms"],
  [/\b(cloudtrail|trails?|audit logs?)\b/, "cloudtrail"],
];

const TOPICS: [RegExp, string][] = [
  [/\bencrypt\w*/, "encrypt"],
  [/\bpublic(ly)?\b|\bexposed\b|\bopen to the (world|internet)\b/, "public"],
  [/\blogging\b|\blogs?\b/, "log"],
  [/\bmfa\b|multi-factor/, "mfa"],
  [/\brotat\w*/, "rotation"],
  [/\bbackups?\b/, "backup"],
  [/\bversioning\b/, "versioning"],
  [/\bpasswords?\b/, "password"],
  [/\btls\b|\bssl\b|\bhttps\b|in transit/, "transport"],
  [/\bsnapshots?\b/, "snapshot"],
  [/deletion protection/, "deletion"],
  [/\bmetadata\b|\bimds/, "metadata"],
];

const SEVERITY_WORDS = ["critical", "high", "medium", "low"] as const;

const ARN = /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[^\s"'<>]+/i;
const FINDING_ID = /\b\d{12}\/[a-z0-9-]+\/[a-z0-9_:.-]+\/[^\s"'<>]+/i;
const SCAN_ID = /\bscan-\d{8}-\d{6}-[0-9a-f]{6}\b/g;
const REGION = /\b[a-z]{2}-(?:gov-)?[a-z]+-\d\b/g;

/** `soc 2` → `soc2`, `pci dss` → `pci-dss`: one spelling per framework name. */
function normalise(question: string): string {
  return question
    .toLowerCase()
    .replace(/\bsoc\s+2\b/g, "soc2")
    .replace(/\bpci[\s-]*dss\b/g, "pci-dss")
    .replace(/\bnist\s+(sp\s+)?800-53\b/g, "nist-800-53")
    .replace(/\s+/g, " ");
}

function aliasesOf(id: string): string[] {
  const first = id.split("-")[0]!;
  const out = new Set([id, first]);
  if (id.startsWith("pci")) out.add("pci-dss");
  if (id.startsWith("nist")) out.add("nist-800-53").add("800-53");
  return [...out];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The frameworks a question names, and the question with their version numbers taken out. */
export function frameworksIn(question: string, frameworks: Frameworks): { ids: string[]; rest: string } {
  let text = normalise(question);
  const ids: string[] = [];
  // Several versions of one framework share its aliases ("CIS 5.0" and "CIS 3.0" are both "cis"): a name
  // with its version is matched first, so it picks that version; a bare name then goes to the first one loaded.
  for (const versionRequired of [true, false]) {
    for (const f of frameworks) {
      // The framework's own version after its name ("PCI DSS 4.0") is not a control id: it goes with the name.
      const versions = [f.version, /\d+(\.\d+)+$/.exec(f.id)?.[0]]
        .filter((v): v is string => !!v && /^\d+(\.\d+)*$/.test(v))
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp);
      if (versionRequired && versions.length === 0) continue;
      const version = versions.length
        ? `(\\s*(v|version\\s*)?(${versions.join("|")}))${versionRequired ? "" : "?"}`
        : "";
      for (const alias of aliasesOf(f.id)) {
        const re = new RegExp(`(^|[^a-z0-9-])${escapeRegExp(alias)}${version}(?=$|[^a-z0-9.-])`, "g");
        if (re.test(text)) {
          if (!ids.includes(f.id)) ids.push(f.id);
          text = text.replace(re, "$1");
        }
      }
    }
  }
  return { ids, rest: text };
}

/** A control id the question names (within the named frameworks, else any), longest id first. */
export function controlIn(
  question: string,
  frameworks: Frameworks,
  named: string[],
): { framework: string; controlId: string } | undefined {
  const pool = named.length ? frameworks.filter((f) => named.includes(f.id)) : frameworks;
  const candidates = pool
    .flatMap((f) => f.controls.map((c) => ({ framework: f.id, controlId: c.id })))
    .sort((a, b) => b.controlId.length - a.controlId.length);
  for (const c of candidates) {
    const re = new RegExp(`(^|[\\s(,])${escapeRegExp(c.controlId.toLowerCase())}(?=$|[\\s),.?!:;])`);
    if (re.test(question)) return c;
  }
  return undefined;
}

/** Which tools answer a question, with which arguments. Reads the question only. */
export function routeQuestion(question: string, frameworks: Frameworks): PlannedCall[] {
  const { ids: named, rest } = frameworksIn(question, frameworks);
  const q = rest;
  const calls: PlannedCall[] = [];
  const findingId = FINDING_ID.exec(question)?.[0];
  const arn = ARN.exec(question)?.[0];
  const scanIds = [...question.matchAll(SCAN_ID)].map((m) => m[0]);

  if (/\b(fix|remediat\w*|repair)\b/.test(q)) {
    if (findingId)
      return [{ name: "propose_remediation", args: { findingId, reason: question.slice(0, 300) } }];
  }
  if (/\bcompar\w*\b|\bdiff(erence)?s?\b|\bwhat changed\b|\bsince the last scan\b/.test(q)) {
    calls.push({
      name: "compare_scans",
      args: scanIds.length >= 2 ? { from: scanIds[0], to: scanIds[1] } : {},
    });
  }
  if (
    /\b(start|run|launch|trigger|kick off|begin|do)\b( a| an| the| another| new)?( demo| live| fresh| new)? scan\b/.test(
      q,
    ) ||
    /\bscan (the |my |our )?(demo|sample|account|regions?)\b/.test(q) ||
    /\brescan\b/.test(q)
  ) {
    const regions = [...q.matchAll(REGION)].map((m) => m[0]);
    calls.push({
      name: "start_scan",
      args:
        regions.length && !/\b(demo|sample)\b/.test(q)
          ? { regions, frameworks: named.length ? named : undefined }
          : { demo: true, frameworks: named.length ? named : undefined },
    });
  }
  const control = controlIn(q, frameworks, named);
  if (control) calls.push({ name: "explain_control", args: control });
  if (arn) calls.push({ name: "resource_details", args: { arn } });

  const severity = SEVERITY_WORDS.filter((s) => new RegExp(`\\b${s}\\b`).test(q));
  const service = SERVICES.find(([re]) => re.test(q))?.[1];
  const topic = TOPICS.find(([re]) => re.test(q))?.[1];
  const wantsFindings =
    /\b(findings?|fail\w*|violat\w*|break\w*|broken|non-?complian\w*|issues?|problems?|which|list|show|fix|remediat\w*)\b/.test(
      q,
    );
  if (!control && !arn && (wantsFindings || ((service || severity.length || topic) && calls.length === 0))) {
    const args: Record<string, unknown> = {};
    if (named[0]) args.framework = named[0];
    if (severity.length) args.severity = severity;
    if (service) args.service = service;
    if (topic) args.text = topic;
    if (/\bpass(ed|ing)?\b/.test(q) && !/\bfail/.test(q)) args.status = "PASS";
    calls.push({ name: "search_findings", args });
  }
  if (
    /\b(score|scores|posture|compliant|compliance|overview|summary|how (are|do) we)\b/.test(q) &&
    !calls.some((c) => c.name === "posture_summary")
  ) {
    if (
      calls.length === 0 ||
      !calls.some((c) => c.name === "search_findings" || c.name === "explain_control")
    ) {
      calls.push({ name: "posture_summary", args: {} });
    }
  }
  if (calls.length === 0) calls.push({ name: "posture_summary", args: {} });
  return calls;
}

// ------------------------------------------------------------------------------------------------------ templates

interface BriefFinding {
  id: string;
  title: string;
  severity: string;
  status: string;
  resourceName?: string;
  resourceArn?: string;
  region?: string;
  reason?: string;
  suppressed?: boolean;
}

const findingLine = (f: BriefFinding, withReason = true) =>
  `- [${f.severity}] ${f.title} — ${f.resourceName || f.resourceArn} (${f.region})${withReason && f.reason ? `: ${f.reason}` : ""} [finding:${f.id}]`;

const pct = (n: unknown) => (typeof n === "number" ? `${n}%` : "n/a");

type Data = Record<string, unknown>;

function renderOne(tool: string, data: Data): string {
  if (typeof data.error === "string") return `I could not complete ${tool.replace(/_/g, " ")}: ${data.error}`;
  if (typeof data.refused === "string") return `I did not do that: ${data.refused}.`;
  switch (tool) {
    case "posture_summary": {
      const scan = data.scan as Data;
      const scores = data.scores as Record<
        string,
        { score: number; passed: number; failed: number; manual: number }
      >;
      const lines = [
        `Posture of scan ${scan.id} (completed ${scan.completedAt ?? "—"}, ${scan.resourceCount} resources, ${scan.findingCount} findings):`,
        ...Object.entries(scores).map(
          ([id, s]) =>
            `- ${id}: ${pct(s.score)} (${s.passed} controls passed, ${s.failed} failed, ${s.manual} manual)`,
        ),
      ];
      const failing = data.failingBySeverity as Record<string, number>;
      const counts = Object.entries(failing)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
      lines.push(`Failing findings: ${counts || "none"}.`);
      const controls = data.failingControls as Data[];
      if (controls.length) {
        lines.push("Controls with the most failures:");
        for (const c of controls.slice(0, 5))
          lines.push(`- ${c.framework} ${c.controlId} ${c.title} (${c.failed} failing)`);
      }
      const top = data.topFindings as BriefFinding[];
      if (top.length) {
        lines.push("Worst failing findings:");
        for (const f of top) lines.push(findingLine(f, false));
      }
      return lines.join("\n");
    }
    case "search_findings": {
      const findings = data.findings as BriefFinding[];
      if (findings.length === 0) return `No findings match in scan ${data.scanId}.`;
      return [
        `${data.total} finding${data.total === 1 ? "" : "s"} match in scan ${data.scanId}${Number(data.total) > findings.length ? ` (the ${findings.length} worst shown)` : ""}:`,
        ...findings.map((f) => findingLine(f)),
      ].join("\n");
    }
    case "resource_details": {
      const r = data.resource as Data;
      const findings = data.findings as BriefFinding[];
      const failing = findings.filter((f) => f.status === "FAIL");
      return [
        `${r.resourceType} ${r.resourceName ?? r.resourceId} (${r.arn}) in ${r.region}, account ${r.accountId}.`,
        `Tags (data, as recorded): ${JSON.stringify(r.tags)}`,
        failing.length
          ? `The latest scan (${data.scanId}) found ${failing.length} failing check${failing.length === 1 ? "" : "s"}:`
          : `The latest scan (${data.scanId ?? "none"}) found no failing check on it.`,
        ...failing.map((f) => findingLine(f)),
      ].join("\n");
    }
    case "explain_control": {
      const fw = data.framework as Data;
      const c = data.control as Data;
      const passages = data.passages as { id: string; text: string; source: string }[];
      const failing = data.failingFindings as BriefFinding[];
      const lines = [
        `${fw.name} (${fw.id}) control ${c.id} — ${c.title}: ${c.description}`,
        (c.checks as string[]).length
          ? `EnforceAI decides it with the checks ${(c.checks as string[]).join(", ")}.`
          : "No automated check decides it: a person must confirm it (manual).",
      ];
      if (passages.length) {
        lines.push("From the framework documents:");
        for (const p of passages.slice(0, 2)) {
          lines.push(`- "${p.text.replace(/\s+/g, " ").slice(0, 280)}…" (${p.source}) [passage:${p.id}]`);
        }
      } else if (data.retrieval === "unavailable") {
        lines.push("(The framework documents are not indexed here, so no passage is quoted.)");
      }
      if (failing.length) {
        lines.push(`Failing in the latest scan (${data.scanId}):`);
        for (const f of failing) lines.push(findingLine(f));
      } else if (data.scanId) lines.push(`Nothing fails it in the latest scan (${data.scanId}).`);
      return lines.join("\n");
    }
    case "compare_scans": {
      const from = data.from as Data;
      const to = data.to as Data;
      const scores = data.scores as Record<
        string,
        { from: number | null; to: number | null; delta: number | null }
      >;
      const newFailures = data.newFailures as BriefFinding[];
      const resolved = data.resolved as BriefFinding[];
      return [
        `From scan ${from.id} (${from.startedAt}) to ${to.id} (${to.startedAt}):`,
        ...Object.entries(scores).map(
          ([id, s]) =>
            `- ${id}: ${pct(s.from)} → ${pct(s.to)}${s.delta !== null ? ` (${s.delta >= 0 ? "+" : ""}${s.delta})` : ""}`,
        ),
        newFailures.length ? "Started failing:" : "Nothing started failing.",
        ...newFailures.map((f) => findingLine(f, false)),
        resolved.length ? "No longer failing:" : "Nothing was resolved.",
        ...resolved.map((f) => findingLine(f, false)),
      ].join("\n");
    }
    case "start_scan": {
      const scan = data.scan as Data;
      return `Started scan ${scan.id} (${scan.source}; status ${scan.status}). Its findings appear when it completes; ask again then.`;
    }
    case "propose_remediation": {
      const f = data.finding as BriefFinding;
      const requests = data.approvalRequests as Data[];
      if (requests.length === 0) {
        const steps = (data.fixSteps as string[]) ?? [];
        return [
          `There is no automated action for ${f.title} [finding:${f.id}], so nothing was queued. The fix by hand:`,
          ...steps.map((s) => `- ${s}`),
        ].join("\n");
      }
      return [
        `Proposed a fix for ${f.title} on ${f.resourceName || f.resourceArn} [finding:${f.id}]:`,
        ...requests.map(
          (r) =>
            `- approval request ${r.id}: ${r.title} (strategy ${r.strategy}, change risk ${r.risk}, ${r.status}, expires ${r.expiresAt})`,
        ),
        "Nothing has changed: a person with the approver role must approve the request (and cannot be the one who asked).",
      ].join("\n");
    }
    default:
      return "";
  }
}

/** The answer to a question from the tool results that followed it. */
export function composeAnswer(results: { tool: string; value: unknown }[], question = ""): string {
  const parts = results.map((r) => renderOne(r.tool, (r.value ?? {}) as Data)).filter(Boolean);
  if (
    /\b(fix|remediat\w*|repair)\b/i.test(question) &&
    !results.some((r) => r.tool === "propose_remediation")
  ) {
    parts.push(
      'To propose a fix, name one finding: "fix FINDING_ID" (the ids are in brackets above). The proposal goes to the approval queue; nothing changes until an approver approves it.',
    );
  }
  const help =
    'You can ask for the posture ("how compliant are we?"), findings ("failing high S3 findings for PCI"), a control ("explain CIS 1.4"), a resource (its ARN), "compare the last two scans", "start a demo scan", or "fix FINDING_ID".';
  return [NO_MODEL_NOTE, ...parts, ...(parts.length ? [] : [help])].join("\n\n");
}

function textOf(m: BaseMessage): string {
  return typeof m.content === "string"
    ? m.content
    : m.content.map((p) => (typeof p === "object" && p && "text" in p ? String(p.text) : "")).join("");
}

/** A stand-in chat model: tool calls by intent on a new question, a templated answer once the tools answered. */
export class DeterministicChatModel extends BaseChatModel {
  private calls = 0;

  constructor(private readonly frameworks: () => Promise<Frameworks>) {
    super({});
  }

  _llmType(): string {
    return "enforceai-deterministic";
  }

  override bindTools(): this {
    return this;
  }

  private async respond(messages: BaseMessage[]): Promise<AIMessage> {
    let lastHuman = -1;
    messages.forEach((m, i) => {
      if (m.getType() === "human") lastHuman = i;
    });
    const after = messages.slice(lastHuman + 1);
    const question = lastHuman >= 0 ? textOf(messages[lastHuman]!) : "";
    const toolResults = after
      .filter((m) => m.getType() === "tool")
      .map((m) => unwrapToolData(textOf(m)))
      .filter((r): r is { tool: string; value: unknown } => !!r);
    if (toolResults.length > 0 || after.some((m) => m.getType() === "tool")) {
      return new AIMessage(composeAnswer(toolResults, question));
    }
    const planned = routeQuestion(question, await this.frameworks());
    this.calls++;
    return new AIMessage({
      content: "",
      tool_calls: planned.map((c, i) => ({
        id: `det_${this.calls}_${i}`,
        name: c.name,
        args: c.args,
        type: "tool_call",
      })),
    });
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = await this.respond(messages);
    return { generations: [{ text: textOf(message), message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const message = await this.respond(messages);
    if (message.tool_calls?.length) {
      yield new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({
          content: "",
          tool_call_chunks: message.tool_calls.map((c, index) => ({
            id: c.id,
            name: c.name,
            args: JSON.stringify(c.args),
            index,
            type: "tool_call_chunk" as const,
          })),
        }),
      });
      return;
    }
    const text = textOf(message);
    for (const piece of text.match(/\S+\s*|\s+/g) ?? []) {
      yield new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece }) });
      await runManager?.handleLLMNewToken(piece);
    }
  }
}
