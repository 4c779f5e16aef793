import { describe, expect, it } from "vitest";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { createContext } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import {
  accountOfPrincipal,
  coversWholeService,
  describePublicAllow,
  statementCoversAction,
  unreadableReason,
} from "../../src/engine/evaluators/policy.ts";
import type { EvaluatorResult } from "../../src/engine/evaluators/types.ts";
import type { Settings } from "../../src/engine/settings.ts";

const NOW = new Date("2026-06-01T00:00:00Z");
const ACCOUNT = "111122223333";
const evaluators = builtinEvaluators();

function item(resourceType: string, partial: Partial<ConfigurationItem> = {}): ConfigurationItem {
  const resourceId = partial.resourceId ?? "r";
  return {
    resourceType,
    resourceId,
    arn: `arn:test:::${resourceId}`,
    awsRegion: "us-east-1",
    accountId: ACCOUNT,
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
    ...partial,
  };
}

function run(name: string, subject: ConfigurationItem, others: ConfigurationItem[] = [], params = {}) {
  const evaluator = evaluators.get(name);
  if (!evaluator) throw new Error(`no evaluator ${name}`);
  return evaluator(subject, params, createContext([subject, ...others], {} as Settings, NOW));
}

function verdict(result: EvaluatorResult): "PASS" | "FAIL" | "ERROR" {
  if ("error" in result) return "ERROR";
  return result.pass ? "PASS" : "FAIL";
}

const OFF = {
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};
const accountBlock = (flags: Partial<typeof OFF>) =>
  item("AWS::S3::AccountPublicAccessBlock", {
    resourceId: ACCOUNT,
    configuration: { configured: true, ...OFF, ...flags },
  });

describe("policy helpers", () => {
  it("tells whether a statement covers a whole service", () => {
    expect(coversWholeService({ Effect: "Deny", Action: "s3:*" }, "s3")).toBe(true);
    expect(coversWholeService({ Effect: "Deny", Action: ["*"] }, "s3")).toBe(true);
    expect(coversWholeService({ Effect: "Deny", Action: "S3:*" }, "s3")).toBe(true);
    expect(coversWholeService({ Effect: "Deny", Action: "s3:Get*" }, "s3")).toBe(false);
    expect(coversWholeService({ Effect: "Allow", NotAction: "iam:*" }, "kms")).toBe(true);
    expect(coversWholeService({ Effect: "Allow", NotAction: ["kms:ScheduleKeyDeletion"] }, "kms")).toBe(
      false,
    );
  });

  it("reads NotAction as everything it does not list", () => {
    expect(statementCoversAction({ NotAction: "s3:*" }, "iam:PassRole")).toBe(true);
    expect(statementCoversAction({ NotAction: "iam:*" }, "iam:PassRole")).toBe(false);
  });

  it("finds the account of a principal", () => {
    expect(accountOfPrincipal("444455556666")).toBe("444455556666");
    expect(accountOfPrincipal("arn:aws:iam::444455556666:role/x")).toBe("444455556666");
    expect(accountOfPrincipal("arn:aws-us-gov:iam::444455556666:root")).toBe("444455556666");
    expect(accountOfPrincipal("arn:aws:sts::444455556666:assumed-role/x/y")).toBe("444455556666");
    expect(accountOfPrincipal("*")).toBe("*");
    expect(accountOfPrincipal("lambda.amazonaws.com")).toBeUndefined();
  });

  it("names the field and the error of an unreadable value", () => {
    expect(unreadableReason({ $error: { code: "AccessDenied", message: "no" } }, "x.policy")).toBe(
      "could not read x.policy: AccessDenied (no)",
    );
    expect(unreadableReason(null, "x")).toBeUndefined();
  });

  it("describes a public statement with its principal, actions and condition keys", () => {
    const text = describePublicAllow(
      {
        Sid: "Ref",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Condition: { StringLike: { "aws:Referer": "x" } },
      },
      0,
      "bucket policy",
    );
    expect(text).toBe(
      'bucket policy statement "Ref" allows Principal "*" to s3:GetObject with a condition on aws:Referer that does not limit who the caller is',
    );
  });
});

describe("s3BucketPublic", () => {
  const publicPolicy = {
    Statement: [
      { Sid: "Pub", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
    ],
  };

  it("ignorePublicAcls does not neutralise a public policy", () => {
    const bucket = item("AWS::S3::Bucket", {
      supplementaryConfiguration: { publicAccessBlock: null, acl: { grants: [] }, policy: publicPolicy },
    });
    const r = run("s3BucketPublic", bucket, [
      accountBlock({ ignorePublicAcls: true, blockPublicAcls: true }),
    ]);
    expect(verdict(r)).toBe("FAIL");
    expect("reason" in r && r.reason).toContain("restrictPublicBuckets is off");
  });

  it("blockPublicPolicy alone does not make an existing public policy harmless", () => {
    const bucket = item("AWS::S3::Bucket", {
      supplementaryConfiguration: {
        publicAccessBlock: { ...OFF, blockPublicPolicy: true },
        acl: { grants: [] },
        policy: publicPolicy,
      },
    });
    expect(verdict(run("s3BucketPublic", bucket, [accountBlock({})]))).toBe("FAIL");
  });

  it("an unreadable bucket-level block is covered by the account-level one", () => {
    const bucket = item("AWS::S3::Bucket", {
      supplementaryConfiguration: {
        publicAccessBlock: { $error: { code: "AccessDenied", message: "denied" } },
        acl: { grants: [] },
        policy: publicPolicy,
      },
    });
    expect(verdict(run("s3BucketPublic", bucket, [accountBlock({ restrictPublicBuckets: true })]))).toBe(
      "PASS",
    );
    expect(verdict(run("s3BucketPublic", bucket, [accountBlock({})]))).toBe("ERROR");
  });

  it("a readable public grant fails even when the policy cannot be read", () => {
    const bucket = item("AWS::S3::Bucket", {
      supplementaryConfiguration: {
        publicAccessBlock: null,
        acl: {
          grants: [
            {
              grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
              permission: "READ",
            },
          ],
        },
        policy: { $error: { code: "AccessDenied", message: "denied" } },
      },
    });
    expect(verdict(run("s3BucketPublic", bucket, [accountBlock({})]))).toBe("FAIL");
  });

  it("reads the account block of the bucket's own account", () => {
    const bucket = item("AWS::S3::Bucket", {
      supplementaryConfiguration: { publicAccessBlock: null, acl: { grants: [] }, policy: publicPolicy },
    });
    const otherAccount = { ...accountBlock({ restrictPublicBuckets: true }), accountId: "444455556666" };
    expect(verdict(run("s3BucketPublic", bucket, [otherAccount, accountBlock({})]))).toBe("FAIL");
  });
});

describe("s3SecureTransport", () => {
  const bucket = (statement: Record<string, unknown>) =>
    item("AWS::S3::Bucket", { supplementaryConfiguration: { policy: { Statement: [statement] } } });
  const deny = {
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };

  it("accepts the canonical deny and case variations of the condition key", () => {
    expect(verdict(run("s3SecureTransport", bucket(deny)))).toBe("PASS");
    const lower = { ...deny, Condition: { Bool: { "aws:securetransport": ["false"] } } };
    expect(verdict(run("s3SecureTransport", bucket(lower)))).toBe("PASS");
  });

  it("refuses a deny narrowed by another condition", () => {
    const narrowed = {
      ...deny,
      Condition: { Bool: { "aws:SecureTransport": "false" }, IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
    };
    const r = run("s3SecureTransport", bucket(narrowed));
    expect(verdict(r)).toBe("FAIL");
    expect("reason" in r && r.reason).toContain("also tests aws:SourceIp");
  });

  it("refuses a SecureTransport true condition on a Deny (denies HTTPS, not HTTP)", () => {
    const inverted = { ...deny, Condition: { Bool: { "aws:SecureTransport": "true" } } };
    expect(verdict(run("s3SecureTransport", bucket(inverted)))).toBe("FAIL");
  });
});

describe("iamPrivilegeEscalation", () => {
  const policy = (statements: Record<string, unknown>[]) =>
    item("AWS::IAM::Policy", {
      configuration: { policyName: "p", attachmentCount: 1 },
      supplementaryConfiguration: { policyDocument: { Statement: statements } },
    });

  it("counts PassRole limited by iam:PassedToService only for that service", () => {
    const passToLambda = {
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
    };
    const withEc2 = policy([passToLambda, { Effect: "Allow", Action: "ec2:RunInstances", Resource: "*" }]);
    expect(verdict(run("iamPrivilegeEscalation", withEc2, [], { source: "managed" }))).toBe("PASS");
    const withLambda = policy([
      passToLambda,
      { Effect: "Allow", Action: "lambda:CreateFunction", Resource: "*" },
    ]);
    const r = run("iamPrivilegeEscalation", withLambda, [], { source: "managed" });
    expect(verdict(r)).toBe("FAIL");
    expect("reason" in r && r.reason).toContain("iam:PassRole with lambda:CreateFunction");
  });

  it("ignores actions granted only on resources of another service", () => {
    const wrongResource = policy([
      { Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "arn:aws:s3:::bucket/*" },
    ]);
    expect(verdict(run("iamPrivilegeEscalation", wrongResource, [], { source: "managed" }))).toBe("PASS");
  });

  it("keeps an action whose Deny is conditional", () => {
    const conditionalDeny = policy([
      { Effect: "Allow", Action: "iam:PutRolePolicy", Resource: "*" },
      {
        Effect: "Deny",
        Action: "iam:PutRolePolicy",
        Resource: "*",
        Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
      },
    ]);
    expect(verdict(run("iamPrivilegeEscalation", conditionalDeny, [], { source: "managed" }))).toBe("FAIL");
  });
});

describe("iamRoleCrossAccountExternalId", () => {
  it("treats a wildcard principal as any account", () => {
    const role = item("AWS::IAM::Role", {
      configuration: {
        roleName: "r",
        assumeRolePolicyDocument: {
          Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
        },
      },
    });
    expect(verdict(run("iamRoleCrossAccountExternalId", role))).toBe("FAIL");
  });
});

describe("cloudtrailS3DataEvents", () => {
  const account = item("AWS::::Account", { resourceId: ACCOUNT, configuration: { accountId: ACCOUNT } });
  const trail = (advanced: unknown) =>
    item("AWS::CloudTrail::Trail", {
      resourceId: "t",
      configuration: { name: "t" },
      supplementaryConfiguration: {
        status: { isLogging: true },
        eventSelectors: { advancedEventSelectors: advanced },
      },
    });

  it("reads a readOnly NotEquals filter", () => {
    const writesOnly = trail([
      {
        name: "s3",
        fieldSelectors: [
          { field: "eventCategory", equals: ["Data"] },
          { field: "resources.type", equals: ["AWS::S3::Object"] },
          { field: "readOnly", notEquals: ["true"] },
        ],
      },
    ]);
    expect(verdict(run("cloudtrailS3DataEvents", account, [writesOnly], { access: "write" }))).toBe("PASS");
    expect(verdict(run("cloudtrailS3DataEvents", account, [writesOnly], { access: "read" }))).toBe("FAIL");
  });
});

describe("iamPrivilegeEscalation on self-service credential policies", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JavaScript template
  const ownUser = "arn:aws:iam::*:user/${aws:username}";
  const policy = (resource: string, action: string) =>
    item("AWS::IAM::Policy", {
      configuration: { policyName: "self", attachmentCount: 1 },
      supplementaryConfiguration: {
        policyDocument: { Statement: [{ Effect: "Allow", Action: action, Resource: resource }] },
      },
    });

  it("lets users manage their own keys and password", () => {
    for (const action of ["iam:CreateAccessKey", "iam:UpdateLoginProfile"]) {
      const own = policy(ownUser, action);
      expect(verdict(run("iamPrivilegeEscalation", own, [], { source: "managed" }))).toBe("PASS");
    }
  });

  it("still flags attaching policies to oneself", () => {
    const own = policy(ownUser, "iam:AttachUserPolicy");
    expect(verdict(run("iamPrivilegeEscalation", own, [], { source: "managed" }))).toBe("FAIL");
  });

  it("flags creating keys for any user", () => {
    const any = policy("arn:aws:iam::*:user/*", "iam:CreateAccessKey");
    expect(verdict(run("iamPrivilegeEscalation", any, [], { source: "managed" }))).toBe("FAIL");
  });
});
