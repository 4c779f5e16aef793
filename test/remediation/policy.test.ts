/**
 * The policy agent's rules, the maintenance window, the remediation settings from the environment and the
 * Slack-compatible task message. No AWS.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { ConfigError, ValidationError } from "../../src/errors.ts";
import { escapeMrkdwn, taskMessage } from "../../src/notify/webhook.ts";
import {
  decideStrategy,
  loadRemediationPolicy,
  type PolicyInput,
  parseRemediationPolicy,
} from "../../src/planning/strategy.ts";
import { inWindow, nextWindowStart, parseMaintenanceWindow } from "../../src/planning/window.ts";

const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  actionId: "s3_bucket_enable_versioning",
  severity: "medium",
  risk: "low",
  resourceType: "AWS::S3::Bucket",
  tags: {},
  ...over,
});

describe("remediation policy (bundled knowledge/remediation-policy.yaml)", async () => {
  const policy = await loadRemediationPolicy();

  it("is immediate by default and keeps 72 hours to decide", () => {
    expect(decideStrategy(policy, input())).toMatchObject({ strategy: "immediate", risk: "low" });
    expect(policy.expiryHours).toBe(72);
  });

  it("follows the owner's tag, first match wins", () => {
    expect(decideStrategy(policy, input({ tags: { "enforceai:remediation": "manual" } }))).toMatchObject({
      strategy: "manual",
      rule: "owner-asked-for-manual",
    });
    expect(decideStrategy(policy, input({ tags: { "enforceai:remediation": "sometime" } })).strategy).toBe(
      "immediate",
    );
  });

  it("schedules account-wide, database and high-risk production changes", () => {
    expect(
      decideStrategy(policy, input({ actionId: "s3_account_public_access_block", risk: "high" })).strategy,
    ).toBe("scheduled");
    expect(
      decideStrategy(policy, input({ actionId: "rds_disable_public_access", risk: "high" })).strategy,
    ).toBe("scheduled");
    const prod = input({
      actionId: "ec2_revoke_world_ingress",
      risk: "high",
      tags: { environment: "production" },
    });
    expect(decideStrategy(policy, prod)).toMatchObject({
      strategy: "scheduled",
      rule: "production-high-risk-environment",
    });
    expect(decideStrategy(policy, { ...prod, tags: {} }).strategy).toBe("immediate");
  });

  it("documents a compensating control for intentionally public resources", () => {
    const d = decideStrategy(
      policy,
      input({ actionId: "s3_bucket_public_access_block", tags: { "enforceai:intended-public": "website" } }),
    );
    expect(d.strategy).toBe("compensating");
    expect(d.compensatingControl).toMatch(/CloudFront/);
  });

  it("merges per-action params and lets a rule raise the risk, never lower it", () => {
    const custom = parseRemediationPolicy(`version: 1
default: { strategy: immediate, rationale: default }
rules:
  - name: raise
    when: { actions: [rds_set_backup_retention] }
    strategy: scheduled
    rationale: raised
    risk: critical
    params: { retentionDays: 14 }
  - name: lower
    when: { actions: [rds_disable_public_access] }
    strategy: immediate
    rationale: lower
    risk: low
params:
  rds_set_backup_retention: { applyImmediately: false }
`);
    expect(
      decideStrategy(custom, input({ actionId: "rds_set_backup_retention", risk: "medium" })),
    ).toMatchObject({
      risk: "critical",
      params: { applyImmediately: false, retentionDays: 14 },
    });
    expect(decideStrategy(custom, input({ actionId: "rds_disable_public_access", risk: "high" })).risk).toBe(
      "high",
    );
  });

  it("refuses an invalid policy with the field that is wrong", () => {
    expect(() =>
      parseRemediationPolicy("version: 1\ndefault: { strategy: later, rationale: x }\n", "p.yaml"),
    ).toThrow(ValidationError);
    expect(() =>
      parseRemediationPolicy("version: 1\ndefault: { strategy: later, rationale: x }\n", "p.yaml"),
    ).toThrow(/p\.yaml: default\.strategy/);
    expect(() => parseRemediationPolicy("version: [", "p.yaml")).toThrow(/not valid YAML/);
  });
});

describe("maintenance window", () => {
  it("parses DAY:HH:MM-DAY:HH:MM in UTC and tells whether a moment is inside", () => {
    const w = parseMaintenanceWindow("Sat:02:00-sat:04:00");
    expect(w.text).toBe("sat:02:00-sat:04:00");
    expect(inWindow(w, new Date("2031-01-11T02:00:00Z"))).toBe(true);
    expect(inWindow(w, new Date("2031-01-11T03:59:00Z"))).toBe(true);
    expect(inWindow(w, new Date("2031-01-11T04:00:00Z"))).toBe(false);
    expect(inWindow(w, new Date("2031-01-08T03:00:00Z"))).toBe(false);
    expect(nextWindowStart(w, new Date("2031-01-11T05:00:00Z")).toISOString()).toBe(
      "2031-01-18T02:00:00.000Z",
    );
  });

  it("wraps around the end of the week", () => {
    const w = parseMaintenanceWindow("sun:23:00-mon:01:00");
    expect(inWindow(w, new Date("2031-01-12T23:30:00Z"))).toBe(true); // Sunday
    expect(inWindow(w, new Date("2031-01-13T00:30:00Z"))).toBe(true); // Monday
    expect(inWindow(w, new Date("2031-01-13T01:30:00Z"))).toBe(false);
  });

  it("names the variable and the expected form when the value is wrong", () => {
    for (const bad of [
      "sat 02:00-04:00",
      "sat:25:00-sat:26:00",
      "sat:02:00",
      "sat:02:00-sat:02:00",
      "xyz:01:00-sat:02:00",
    ]) {
      expect(() => parseMaintenanceWindow(bad)).toThrow(ConfigError);
      expect(() => parseMaintenanceWindow(bad)).toThrow(/ENFORCEAI_MAINTENANCE_WINDOW/);
    }
  });
});

/** The remediation part of the one configuration. */
const remediationSettings = (env: NodeJS.ProcessEnv) => loadConfig(env).remediation;

describe("remediation settings from the environment", () => {
  it("reads approvers, two-approver risks, expiry, window, webhook and credentials", () => {
    const s = remediationSettings({
      ENFORCEAI_APPROVERS: " alice, bob ,,",
      ENFORCEAI_TWO_APPROVERS_FOR: "high,Critical",
      ENFORCEAI_APPROVAL_EXPIRY_HOURS: "24",
      ENFORCEAI_MAINTENANCE_WINDOW: "sat:02:00-sat:04:00",
      ENFORCEAI_WEBHOOK_URL: "https://hooks.example.com/x",
      ENFORCEAI_REMEDIATION_ROLE_ARN: "arn:aws:iam::123456789012:role/enforceai-remediation",
    });
    expect(s).toMatchObject({
      approvers: ["alice", "bob"],
      twoApproversFor: ["high", "critical"],
      expiryHours: 24,
      webhookUrl: "https://hooks.example.com/x",
      roleArn: "arn:aws:iam::123456789012:role/enforceai-remediation",
      leaseSeconds: 900,
    });
    expect(s.maintenanceWindow?.text).toBe("sat:02:00-sat:04:00");
    expect(remediationSettings({})).toMatchObject({ approvers: undefined, twoApproversFor: [] });
  });

  it("refuses bad values with one line naming the variable", () => {
    const bad: Record<string, string>[] = [
      { ENFORCEAI_TWO_APPROVERS_FOR: "high,urgent" },
      { ENFORCEAI_APPROVAL_EXPIRY_HOURS: "soon" },
      { ENFORCEAI_WEBHOOK_URL: "ftp://example.com" },
      { ENFORCEAI_REMEDIATION_ROLE_ARN: "enforceai-remediation" },
      { ENFORCEAI_MAINTENANCE_WINDOW: "weekends" },
    ];
    for (const env of bad) {
      const name = Object.keys(env)[0]!;
      expect(() => remediationSettings(env)).toThrow(new RegExp(`^${name}=`));
    }
  });
});

describe("webhook task message", () => {
  it("is Slack-compatible and keeps resource text from becoming mentions or links", () => {
    const message = taskMessage({
      approvalId: "apr-1",
      strategy: "manual",
      task: { title: "Turn on versioning: <@U123>", steps: ["Do <https://evil|this>"], cli: "aws s3api …" },
      resourceArn: "arn:aws:s3:::b",
      findings: [{ checkId: "s3_bucket_versioning_enabled", severity: "medium", title: "Versioning" }],
      approvedBy: ["bob"],
    });
    expect(Object.keys(message)).toEqual(["text", "blocks"]);
    expect(message.text).toContain("apr-1");
    expect(JSON.stringify(message)).not.toMatch(/<@U123>|<https:/);
    expect(escapeMrkdwn("a <b> & c")).toBe("a &lt;b&gt; &amp; c");
    expect(message.blocks[0]).toMatchObject({ type: "header" });
  });
});
