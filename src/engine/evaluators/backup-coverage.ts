/**
 * Whether a resource is protected by AWS Backup: some backup plan of its account and region has a resource
 * selection (GetBackupSelection, recorded under each plan's `supplementaryConfiguration.selections[].contents`)
 * that picks it. The selection rules are AWS Backup's: `Resources` (ARNs, `*` wildcards) or `ListOfTags` (any one
 * StringEquals tag) include a resource, every `Conditions` entry must then hold, and `NotResources` excludes;
 * a selection with neither Resources nor ListOfTags starts from every supported resource. Condition operators
 * other than StringEquals are not judged: a resource only they could select is an ERROR, not a guess.
 */
import type { ConfigurationItem } from "../../domain/types.ts";
import { quote, unreadableReason } from "./policy.ts";
import type { EvaluationContext, Evaluator } from "./types.ts";

const PLAN = "AWS::Backup::BackupPlan";

interface TagCondition {
  conditionType?: string | null;
  conditionKey?: string | null;
  conditionValue?: string | null;
}

interface SelectionContents {
  resources?: string[];
  notResources?: string[];
  listOfTags?: TagCondition[];
  conditions?: Record<string, TagCondition[] | undefined>;
}

/** true: selected; false: not; a string: cannot be told, and why. */
type Match = boolean | string;

/** An ARN pattern of a selection (`*` matches any run of characters, `?` one) against an ARN. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

/** The tag a condition names: `aws:ResourceTag/backup` (Conditions) and `backup` (ListOfTags) both mean tag `backup`. */
function tagKey(key: string | null | undefined): string {
  return (key ?? "").replace(/^aws:ResourceTag\//, "");
}

function tagEquals(tags: Record<string, string> | string, c: TagCondition): Match {
  if (typeof tags === "string") return tags;
  return tags[tagKey(c.conditionKey)] === (c.conditionValue ?? "");
}

/** The resource's tags, or why they are unknown. */
function tagsOf(item: ConfigurationItem): Record<string, string> | string {
  const unreadable = unreadableReason(item.supplementaryConfiguration.tags, "the resource's tags");
  return unreadable ?? item.tags;
}

/** Whether one selection picks the resource. */
function selects(contents: SelectionContents, arn: string, tags: Record<string, string> | string): Match {
  if ((contents.notResources ?? []).some((p) => arnMatches(p, arn))) return false;
  const resources = contents.resources ?? [];
  const listOfTags = contents.listOfTags ?? [];
  let included: Match = resources.length === 0 && listOfTags.length === 0;
  if (resources.some((p) => arnMatches(p, arn))) included = true;
  for (const t of listOfTags) {
    if (included === true) break;
    const match: Match =
      (t.conditionType ?? "").toUpperCase() === "STRINGEQUALS"
        ? tagEquals(tags, t)
        : `ListOfTags condition type ${quote(t.conditionType)} is not judged`;
    if (match === true) included = true;
    else if (typeof match === "string") included = match;
  }
  if (included !== true) return included;
  for (const [operator, list] of Object.entries(contents.conditions ?? {})) {
    for (const c of list ?? []) {
      if (operator !== "stringEquals")
        return `condition ${operator} ${quote(c.conditionKey)} is not judged (only StringEquals is)`;
      const match = tagEquals(tags, c);
      if (match !== true) return match;
    }
  }
  return true;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/**
 * PASS when a backup plan in the resource's account and region selects it (by ARN or wildcard, or by tag); FAIL
 * when no plan does; ERROR when a plan's selections could not be read, a selection uses a condition not judged
 * here, or the Backup listing itself has a coverage gap. Params: `resourceType` (the protected type, for reasons).
 */
const backupPlanCovers: Evaluator = (item, params, ctx: EvaluationContext) => {
  const what = typeof params.resourceType === "string" ? params.resourceType : item.resourceType;
  const plans = ctx
    .itemsOfType(PLAN, item.accountId)
    .filter((p) => p.awsRegion === item.awsRegion)
    .sort((a, b) => a.resourceId.localeCompare(b.resourceId));
  const tags = tagsOf(item);
  const unknown: string[] = [];
  let selectionCount = 0;
  for (const plan of plans) {
    const label = `plan ${quote(plan.resourceName)}`;
    const selections = plan.supplementaryConfiguration.selections;
    const unreadable = unreadableReason(selections, `the selections of ${label}`);
    if (unreadable) {
      unknown.push(unreadable);
      continue;
    }
    for (const selection of (selections ?? []) as Array<Record<string, unknown>>) {
      selectionCount++;
      const name = `selection ${quote(selection.selectionName ?? selection.selectionId)} of ${label}`;
      const contents = selection.contents;
      const contentsUnreadable = unreadableReason(contents, `${name} (GetBackupSelection)`);
      if (contentsUnreadable || !contents || typeof contents !== "object") {
        unknown.push(contentsUnreadable ?? `${name} was listed but its contents were not recorded`);
        continue;
      }
      const match = selects(contents as SelectionContents, item.arn, tags);
      if (match === true)
        return {
          pass: true,
          reason: `${name} selects this ${what}`,
          evidence: { plan: plan.resourceId, selection: selection.selectionId ?? null, contents },
        };
      if (typeof match === "string") unknown.push(`${name}: ${match}`);
    }
  }
  const gaps = ctx.gapsOf("backup", item.accountId, item.awsRegion);
  for (const g of gaps) unknown.push(`backup in ${g.region} could not be read (${g.code ?? g.error})`);
  if (unknown.length > 0) return { error: unknown.join("; ") };
  return {
    pass: false,
    reason:
      plans.length === 0
        ? `no AWS Backup plan selects it: there is no backup plan in ${item.awsRegion}`
        : `no AWS Backup plan selects it (${plural(plans.length, "plan")} with ${plural(selectionCount, "selection")} in ${item.awsRegion} read); expected a selection naming its ARN or matching its tags`,
    evidence: { plans: plans.map((p) => p.resourceId) },
  };
};

export const backupCoverageEvaluators = { backupPlanCovers };
