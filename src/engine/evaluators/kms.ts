import type { ConfigurationItem } from "../../domain/types.ts";
import {
  accountOfPrincipal,
  coversWholeService,
  describePublicAllow,
  describeStatement,
  principalsOf,
  principalText,
  publicStatementsIndexed,
  quote,
  statementsOf,
  unreadableReason,
} from "./policy.ts";
import type { Evaluator } from "./types.ts";

function keyPolicyOf(item: ConfigurationItem): { policy: unknown } | { error: string } {
  const policy = item.supplementaryConfiguration.policy;
  const error = unreadableReason(policy, "supplementaryConfiguration.policy (key policy)");
  if (error) return { error };
  if (policy === null || policy === undefined) {
    return { error: "the key policy (supplementaryConfiguration.policy) is missing; every KMS key has one" };
  }
  return { policy };
}

function statementCount(n: number): string {
  return `${n} statement${n === 1 ? "" : "s"} read`;
}

/** No Allow of the key policy names a public principal without a condition that narrows the caller. */
const kmsKeyPolicyNotPublic: Evaluator = (item) => {
  const found = keyPolicyOf(item);
  if ("error" in found) return found;
  const open = publicStatementsIndexed(found.policy);
  if (open.length > 0) {
    return {
      pass: false,
      reason: `${open.map((o) => describePublicAllow(o.statement, o.index, "key policy")).join("; ")}; expected no public Allow`,
      evidence: { publicStatements: open.map((o) => o.statement) },
    };
  }
  return {
    pass: true,
    reason: `no statement of the key policy allows a public principal (${statementCount(statementsOf(found.policy).length)})`,
  };
};

/** The account root of the key's own account: `arn:aws:iam::ACCOUNT:root` or the bare account id. */
function isOwnRoot(principal: string, accountId: string): boolean {
  if (principal === accountId) return true;
  return new RegExp(`^arn:aws[\\w-]*:iam::${accountId}:root$`).test(principal);
}

/** kms:* (or *) is allowed to nobody but the key's account root, which delegates to IAM. */
const kmsKeyPolicyNoWildcardAdmin: Evaluator = (item) => {
  const found = keyPolicyOf(item);
  if ("error" in found) return found;
  const statements = statementsOf(found.policy);
  const hits: string[] = [];
  statements.forEach((s, i) => {
    if (s.Effect !== "Allow" || !coversWholeService(s, "kms")) return;
    const others = principalsOf(s).filter((p) => !isOwnRoot(p, item.accountId));
    if (s.NotPrincipal === undefined && others.length === 0) return;
    const who =
      s.NotPrincipal !== undefined
        ? principalText(s)
        : others
            .map((p) =>
              accountOfPrincipal(p) === undefined ? `${quote(p)} (service or federated)` : quote(p),
            )
            .join(", ");
    hits.push(`key policy ${describeStatement(s, i)} allows every KMS action to ${who}`);
  });
  if (hits.length > 0) {
    return {
      pass: false,
      reason: `${hits.join("; ")}; expected kms:* granted only to the account root (arn:aws:iam::${item.accountId}:root), and named actions to everyone else`,
    };
  }
  return {
    pass: true,
    reason: `no statement of the key policy grants kms:* to a principal other than the account root (${statementCount(statements.length)})`,
  };
};

export const kmsEvaluators: Record<string, Evaluator> = {
  kmsKeyPolicyNotPublic,
  kmsKeyPolicyNoWildcardAdmin,
};
