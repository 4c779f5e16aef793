import type { ConfigurationItem } from "../../domain/types.ts";
import {
  accountOfPrincipal,
  actionMatches,
  allowsAction,
  asList,
  awsPrincipalsOf,
  conditionClauses,
  describePublicAllow,
  describeStatement,
  isFullAdmin,
  type PolicyStatement,
  publicStatementsIndexed,
  quote,
  statementCoversAction,
  statementsOf,
  unreadableReason,
} from "./policy.ts";
import type { EvaluationContext, Evaluator, EvaluatorResult } from "./types.ts";

/** A policy document with the name it is reported under. */
interface NamedDocument {
  label: string;
  document: unknown;
}

/**
 * The policy documents a check reads: `params.source` is `managed` (an `AWS::IAM::Policy`'s default version) or
 * `inline` (the `inlinePolicies` of a user, group or role).
 */
function documentsOf(
  item: ConfigurationItem,
  params: Record<string, unknown>,
): NamedDocument[] | { error: string } {
  const sc = item.supplementaryConfiguration;
  if (params.source === "inline") {
    const error = unreadableReason(sc.inlinePolicies, "supplementaryConfiguration.inlinePolicies");
    if (error) return { error };
    const list = (sc.inlinePolicies ?? []) as { policyName?: string; policyDocument?: unknown }[];
    return list.map((p) => ({
      label: `inline policy ${quote(p.policyName ?? "?")}`,
      document: p.policyDocument,
    }));
  }
  const error = unreadableReason(sc.policyDocument, "supplementaryConfiguration.policyDocument");
  if (error) return { error };
  if (sc.policyDocument === null || sc.policyDocument === undefined) {
    return {
      error: "the policy's default version document (supplementaryConfiguration.policyDocument) is missing",
    };
  }
  return [{ label: "the policy", document: sc.policyDocument }];
}

function listed(values: string[], max: number): string {
  const shown = values.slice(0, max).join(", ");
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** No Allow statement grants every action on every resource without a condition. */
const iamNoFullAdmin: Evaluator = (item, params) => {
  const docs = documentsOf(item, params);
  if ("error" in docs) return docs;
  if (docs.length === 0)
    return { pass: true, reason: "inlinePolicies is empty: no inline policy to grant anything" };
  const hits: string[] = [];
  let statements = 0;
  for (const doc of docs) {
    const list = statementsOf(doc.document);
    statements += list.length;
    list.forEach((s, i) => {
      if (isFullAdmin(s)) {
        hits.push(
          `${doc.label} ${describeStatement(s, i)} allows Action ${quote(s.Action)} on Resource ${quote(s.Resource)} with no condition`,
        );
      }
    });
  }
  if (hits.length > 0) {
    return {
      pass: false,
      reason: `${hits.join("; ")}; expected no statement granting every action on every resource`,
    };
  }
  const read =
    params.source === "inline"
      ? `${docs.length} inline polic${docs.length === 1 ? "y" : "ies"}, ${plural(statements, "statement")} read`
      : `${plural(statements, "statement")} read`;
  return {
    pass: true,
    reason: `no statement allows every action ("*") on every resource ("*") without a condition (${read})`,
  };
};

/**
 * Well-known privilege-escalation paths: a set of actions that, allowed together, let a principal grant itself
 * more than it has. `passedTo` is the service a role passed with iam:PassRole must be allowed to reach.
 */
interface EscalationPath {
  actions: string[];
  passedTo?: string;
}

const ESCALATION_PATHS: EscalationPath[] = [
  { actions: ["iam:CreatePolicyVersion"] },
  { actions: ["iam:SetDefaultPolicyVersion"] },
  { actions: ["iam:AttachUserPolicy"] },
  { actions: ["iam:AttachGroupPolicy"] },
  { actions: ["iam:AttachRolePolicy"] },
  { actions: ["iam:PutUserPolicy"] },
  { actions: ["iam:PutGroupPolicy"] },
  { actions: ["iam:PutRolePolicy"] },
  { actions: ["iam:CreateAccessKey"] },
  { actions: ["iam:CreateLoginProfile"] },
  { actions: ["iam:UpdateLoginProfile"] },
  { actions: ["iam:AddUserToGroup"] },
  { actions: ["iam:UpdateAssumeRolePolicy"] },
  { actions: ["lambda:UpdateFunctionCode"] },
  { actions: ["glue:UpdateDevEndpoint"] },
  { actions: ["iam:PassRole", "ec2:RunInstances"], passedTo: "ec2.amazonaws.com" },
  { actions: ["iam:PassRole", "lambda:CreateFunction"], passedTo: "lambda.amazonaws.com" },
  { actions: ["iam:PassRole", "cloudformation:CreateStack"], passedTo: "cloudformation.amazonaws.com" },
  { actions: ["iam:PassRole", "glue:CreateDevEndpoint"], passedTo: "glue.amazonaws.com" },
  {
    actions: ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
    passedTo: "datapipeline.amazonaws.com",
  },
  {
    actions: ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    passedTo: "ecs-tasks.amazonaws.com",
  },
  {
    actions: ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
    passedTo: "codebuild.amazonaws.com",
  },
  { actions: ["iam:PassRole", "sagemaker:CreateNotebookInstance"], passedTo: "sagemaker.amazonaws.com" },
];

/** Whether a Resource entry can name something the action works on: `*`, or an ARN of the action's service. */
function resourceFits(resource: string, action: string): boolean {
  if (resource === "*") return true;
  const service = action.split(":")[0]!.toLowerCase();
  const arnService = /^arn:[^:]*:([^:]*):/.exec(resource)?.[1]?.toLowerCase();
  return arnService === undefined || arnService === "*" || arnService === service;
}

/** An unconditional Deny on every resource removes an action whatever the Allows say. */
function deniedEverywhere(statements: PolicyStatement[], action: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === "Deny" &&
      !s.Condition &&
      s.NotResource === undefined &&
      asList(s.Resource).includes("*") &&
      statementCoversAction(s, action),
  );
}

interface Grant {
  where: string;
  /** For iam:PassRole: the services the role may be passed to, when a condition says (undefined = any). */
  passedTo?: string[];
}

/** Actions that only escalate when aimed at another user than the caller. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JavaScript template
const OWN_USER = "${aws:username}";
const SELF_CREDENTIAL_ACTIONS = new Set([
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
]);

function grantsOf(doc: NamedDocument, all: PolicyStatement[], action: string): Grant[] {
  if (deniedEverywhere(all, action)) return [];
  const out: Grant[] = [];
  statementsOf(doc.document).forEach((s, i) => {
    if (!allowsAction(s, action)) return;
    const resources = asList(s.Resource).filter((r) => resourceFits(r, action));
    if (s.NotResource === undefined && resources.length === 0) return;
    // Creating or resetting one's own credentials (`user/${aws:username}`) grants nothing new.
    if (
      SELF_CREDENTIAL_ACTIONS.has(action) &&
      s.NotResource === undefined &&
      resources.every((r) => r.includes(OWN_USER))
    ) {
      return;
    }
    const resource =
      s.NotResource !== undefined ? `NotResource ${quote(s.NotResource)}` : `Resource ${quote(s.Resource)}`;
    let passedTo: string[] | undefined;
    if (action === "iam:PassRole") {
      const limits = conditionClauses(s, "iam:PassedToService").filter((c) =>
        /^String(Equals|Like)$/i.test(c.operator),
      );
      if (limits.length > 0) passedTo = limits.flatMap((c) => c.values);
    }
    out.push({ where: `${doc.label} ${describeStatement(s, i)} (${resource})`, passedTo });
  });
  return out;
}

/** Allows one of the well-known privilege-escalation action sets; reports which. */
const iamPrivilegeEscalation: Evaluator = (item, params) => {
  const docs = documentsOf(item, params);
  if ("error" in docs) return docs;
  const all = docs.flatMap((d) => statementsOf(d.document));
  const found: string[] = [];
  const actions = new Set<string>();
  for (const path of ESCALATION_PATHS) {
    const parts: string[] = [];
    let complete = true;
    for (const action of path.actions) {
      let grants = docs.flatMap((d) => grantsOf(d, all, action));
      if (action === "iam:PassRole" && path.passedTo) {
        const service = path.passedTo;
        grants = grants.filter((g) => !g.passedTo || g.passedTo.some((v) => actionMatches(v, service)));
      }
      if (grants.length === 0) {
        complete = false;
        break;
      }
      parts.push(`${action} by ${grants[0]!.where}`);
    }
    if (!complete) continue;
    for (const a of path.actions) actions.add(a);
    found.push(
      path.actions.length === 1 ? parts[0]! : `${path.actions.join(" with ")} (${parts.join("; ")})`,
    );
  }
  const evidence = { escalationActions: [...actions] };
  if (found.length > 0) {
    const shown = found.slice(0, 5).join("; ");
    const more = found.length > 5 ? `; and ${found.length - 5} more paths` : "";
    return {
      pass: false,
      reason: `allows privilege escalation through ${shown}${more}; expected none of the known escalation paths to be allowed (escalation actions granted: ${listed([...actions], 8)})`,
      evidence,
    };
  }
  return {
    pass: true,
    reason: `none of ${ESCALATION_PATHS.length} known privilege-escalation paths is allowed (${plural(all.length, "statement")} read)`,
  };
};

function attachedArns(entity: ConfigurationItem): string[] | { error: string } {
  const list = entity.supplementaryConfiguration.attachedManagedPolicies;
  const error = unreadableReason(
    list,
    `attachedManagedPolicies of ${KIND[entity.resourceType] ?? "entity"} ${quote(entityName(entity))}`,
  );
  if (error) return { error };
  return ((list ?? []) as { policyArn?: string }[]).map((p) => p.policyArn ?? "");
}

function isAwsManaged(arn: string, name: string): boolean {
  return new RegExp(`^arn:aws[\\w-]*:iam::aws:policy/(.*/)?${name}$`).test(arn);
}

function entityName(entity: ConfigurationItem): string {
  const c = entity.configuration as { userName?: string; groupName?: string; roleName?: string };
  return c.userName ?? c.groupName ?? c.roleName ?? entity.resourceName ?? entity.resourceId;
}

const KIND: Record<string, string> = {
  "AWS::IAM::User": "user",
  "AWS::IAM::Group": "group",
  "AWS::IAM::Role": "role",
};

/** The users, groups or roles of the account with an AWS managed policy attached. */
function holdersOf(
  ctx: EvaluationContext,
  accountId: string,
  types: string[],
  policyName: string,
): { holders: string[]; unreadable: string[]; read: number } {
  const holders: string[] = [];
  const unreadable: string[] = [];
  let read = 0;
  for (const type of types) {
    for (const entity of ctx.itemsOfType(type, accountId)) {
      read++;
      const arns = attachedArns(entity);
      if ("error" in arns) unreadable.push(arns.error);
      else if (arns.some((a) => isAwsManaged(a, policyName)))
        holders.push(`${KIND[type]} ${quote(entityName(entity))}`);
    }
  }
  return { holders, unreadable, read };
}

function noRolesError(accountId: string): EvaluatorResult {
  return {
    error: `no IAM role of account ${accountId} is in the inventory (every account has service-linked roles), so IAM was not discovered`,
  };
}

/** A role of the account has AWSSupportAccess attached, so someone can open cases with AWS Support. */
const iamSupportRoleExists: Evaluator = (item, _params, ctx) => {
  if (ctx.itemsOfType("AWS::IAM::Role", item.accountId).length === 0) return noRolesError(item.accountId);
  const { holders, unreadable, read } = holdersOf(
    ctx,
    item.accountId,
    ["AWS::IAM::Role"],
    "AWSSupportAccess",
  );
  if (holders.length > 0) {
    return {
      pass: true,
      reason: `AWSSupportAccess is attached to ${holders.join(", ")}`,
      evidence: { holders },
    };
  }
  if (unreadable.length > 0)
    return { error: `no role is known to hold AWSSupportAccess, but ${unreadable.join("; ")}` };
  return {
    pass: false,
    reason: `no role of account ${item.accountId} has AWSSupportAccess attached (${plural(read, "role")} read); expected at least one role with it`,
  };
};

/** AWSCloudShellFullAccess attached to no user, group or role. */
const iamCloudShellFullAccessRestricted: Evaluator = (item, _params, ctx) => {
  if (ctx.itemsOfType("AWS::IAM::Role", item.accountId).length === 0) return noRolesError(item.accountId);
  const { holders, unreadable, read } = holdersOf(
    ctx,
    item.accountId,
    ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role"],
    "AWSCloudShellFullAccess",
  );
  if (holders.length > 0) {
    return {
      pass: false,
      reason: `AWSCloudShellFullAccess is attached to ${holders.slice(0, 10).join(", ")}${holders.length > 10 ? ` and ${holders.length - 10} more` : ""}; expected it attached to nobody`,
      evidence: { holders },
    };
  }
  if (unreadable.length > 0)
    return { error: `AWSCloudShellFullAccess was not found, but ${unreadable.join("; ")}` };
  return {
    pass: true,
    reason: `AWSCloudShellFullAccess is attached to none of the ${read} users, groups and roles of account ${item.accountId}`,
  };
};

function trustPolicyOf(item: ConfigurationItem): { policy: unknown } | { error: string } {
  const policy = (item.configuration as { assumeRolePolicyDocument?: unknown }).assumeRolePolicyDocument;
  const error = unreadableReason(policy, "configuration.assumeRolePolicyDocument");
  if (error) return { error };
  return { policy };
}

/** The role's trust policy lets no one-and-everyone assume it. */
const iamRoleTrustNotPublic: Evaluator = (item) => {
  const trust = trustPolicyOf(item);
  if ("error" in trust) return trust;
  const statements = statementsOf(trust.policy);
  const open = publicStatementsIndexed(trust.policy);
  if (open.length > 0) {
    return {
      pass: false,
      reason: `${open.map((o) => describePublicAllow(o.statement, o.index, "trust policy")).join("; ")}; expected the trust policy to name specific principals`,
      evidence: { publicStatements: open.map((o) => o.statement) },
    };
  }
  return {
    pass: true,
    reason: `no statement of the trust policy allows a public principal (${plural(statements.length, "statement")} read)`,
  };
};

/** Trust to another AWS account (or to any account) requires sts:ExternalId. */
const iamRoleCrossAccountExternalId: Evaluator = (item) => {
  const trust = trustPolicyOf(item);
  if ("error" in trust) return trust;
  const statements = statementsOf(trust.policy);
  const missing: string[] = [];
  const guarded: string[] = [];
  statements.forEach((s, i) => {
    if (!allowsAction(s, "sts:AssumeRole")) return;
    const foreign = awsPrincipalsOf(s).filter((p) => {
      const account = accountOfPrincipal(p);
      return account !== undefined && account !== item.accountId;
    });
    if (foreign.length === 0) return;
    const hasExternalId = conditionClauses(s, "sts:ExternalId").some(
      (c) => !/Not|IfExists/i.test(c.operator) && c.values.length > 0 && !c.values.includes("*"),
    );
    const line = `trust policy ${describeStatement(s, i)} lets ${foreign.map((p) => quote(p)).join(", ")} assume the role`;
    (hasExternalId ? guarded : missing).push(line);
  });
  if (missing.length > 0) {
    return {
      pass: false,
      reason: `${missing.join("; ")} with no sts:ExternalId condition; expected every trust to another account to require sts:ExternalId`,
    };
  }
  if (guarded.length > 0) return { pass: true, reason: `${guarded.join("; ")}, and requires sts:ExternalId` };
  return {
    pass: true,
    reason: `no statement of the trust policy lets a principal of another account assume the role (${plural(statements.length, "statement")} read)`,
  };
};

export const iamEvaluators: Record<string, Evaluator> = {
  iamNoFullAdmin,
  iamPrivilegeEscalation,
  iamSupportRoleExists,
  iamCloudShellFullAccessRestricted,
  iamRoleTrustNotPublic,
  iamRoleCrossAccountExternalId,
};
