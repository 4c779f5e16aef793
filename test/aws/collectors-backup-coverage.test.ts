/**
 * What AWS Backup plans select, and the three coverage checks that read it (backup_dynamodb_table_in_plan,
 * backup_ebs_volume_in_plan, backup_rds_instance_in_plan). moto implements neither ListBackupSelections nor
 * GetBackupSelection, so the Backup side runs the real collector over stubbed SDK clients answering in the shape
 * the AWS Backup API reference documents; the protected resources are written as inventory items by hand (their
 * own collectors are tested elsewhere).
 */
import { describe, expect, it } from "vitest";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import type { EvaluationGap } from "../../src/engine/evaluators/types.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { backupCollector } from "../../tools/aws/backup.ts";
import { awsError } from "./moto-helpers.ts";
import { type StubAnswers, stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const ACCOUNT = "111122223333";
const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

const CHECK: Record<string, string> = {
  "AWS::DynamoDB::Table": "backup_dynamodb_table_in_plan",
  "AWS::EC2::Volume": "backup_ebs_volume_in_plan",
  "AWS::RDS::DBInstance": "backup_rds_instance_in_plan",
};

function resource(
  resourceType: string,
  arn: string,
  tags: Record<string, string> = {},
  region = "us-east-1",
): ConfigurationItem {
  const id = arn.split(/[:/]/).pop() ?? arn;
  return {
    resourceType,
    resourceId: id,
    resourceName: id,
    arn,
    awsRegion: region,
    accountId: ACCOUNT,
    configuration: {},
    supplementaryConfiguration: {},
    tags,
    configurationItemCaptureTime: NOW.toISOString(),
  };
}

function verdict(items: ConfigurationItem[], target: ConfigurationItem, gaps: EvaluationGap[] = []) {
  const compiled = catalog.find((c) => c.check.id === CHECK[target.resourceType]);
  if (!compiled) throw new Error(`no check for ${target.resourceType}`);
  return evaluateOne(compiled, target, createContext([...items, target], settings, NOW, gaps));
}

const noCondition = { StringEquals: [], StringNotEquals: [], StringLike: [], StringNotLike: [] };

/** GetBackupSelection answers by selection id, as documented (BackupSelection with Resources, ListOfTags, …). */
const SELECTIONS: Record<string, object> = {
  "s-arn": { Resources: [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`], Conditions: noCondition },
  "s-tag": {
    ListOfTags: [{ ConditionType: "STRINGEQUALS", ConditionKey: "backup", ConditionValue: "daily" }],
  },
  "s-volumes": {
    Resources: ["arn:aws:ec2:*:*:volume/*"],
    NotResources: [`arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-scratch`],
    Conditions: {
      ...noCondition,
      StringEquals: [{ ConditionKey: "aws:ResourceTag/team", ConditionValue: "data" }],
    },
  },
  "s-like": {
    Resources: ["arn:aws:rds:*:*:db:*"],
    Conditions: {
      ...noCondition,
      StringLike: [{ ConditionKey: "aws:ResourceTag/env", ConditionValue: "prod*" }],
    },
  },
};

function answers(overrides: StubAnswers = {}): StubAnswers {
  return {
    "backup:ListBackupVaults": () => ({ BackupVaultList: [] }),
    "backup:ListBackupPlans": () => ({
      BackupPlansList: ["p-1", "p-2"].map((id) => ({
        BackupPlanId: id,
        BackupPlanArn: `arn:aws:backup:us-east-1:${ACCOUNT}:backup-plan:${id}`,
        BackupPlanName: `plan-${id}`,
        VersionId: "v1",
      })),
    }),
    "backup:GetBackupPlan": (input) => ({
      BackupPlanId: input.BackupPlanId,
      BackupPlan: { BackupPlanName: "x", Rules: [] },
    }),
    "backup:ListBackupSelections": (input) => ({
      BackupSelectionsList: (input.BackupPlanId === "p-1" ? ["s-arn", "s-tag", "s-volumes"] : ["s-like"]).map(
        (id) => ({
          SelectionId: id,
          SelectionName: id,
          BackupPlanId: input.BackupPlanId,
          IamRoleArn: "arn:aws:iam::111122223333:role/backup",
        }),
      ),
    }),
    "backup:GetBackupSelection": (input) => ({
      BackupPlanId: input.BackupPlanId,
      SelectionId: input.SelectionId,
      BackupSelection: {
        SelectionName: input.SelectionId,
        IamRoleArn: "arn:aws:iam::111122223333:role/backup",
        ...SELECTIONS[String(input.SelectionId)],
      },
    }),
    ...overrides,
  };
}

describe("AWS Backup plan coverage over stubbed answers", () => {
  it("records each selection's contents and judges coverage by ARN, wildcard, tag and condition", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(answers(), { calls });
    const items = await backupCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "backup:GetBackupSelection")).toHaveLength(4);
    const p1 = items.find((i) => i.resourceId === "p-1");
    expect(p1?.supplementaryConfiguration.selections).toMatchObject([
      {
        selectionId: "s-arn",
        contents: { resources: [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`] },
      },
      {
        selectionId: "s-tag",
        contents: {
          resources: [],
          listOfTags: [{ conditionType: "STRINGEQUALS", conditionKey: "backup", conditionValue: "daily" }],
        },
      },
      {
        selectionId: "s-volumes",
        contents: { conditions: { stringEquals: [{ conditionKey: "aws:ResourceTag/team" }] } },
      },
    ]);

    const status = (r: ConfigurationItem) => verdict(items, r)?.status;
    const table = (name: string, tags?: Record<string, string>, region?: string) =>
      resource(
        "AWS::DynamoDB::Table",
        `arn:aws:dynamodb:${region ?? "us-east-1"}:${ACCOUNT}:table/${name}`,
        tags,
        region,
      );
    const volume = (id: string, tags?: Record<string, string>) =>
      resource("AWS::EC2::Volume", `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${id}`, tags);
    const db = (id: string, tags?: Record<string, string>) =>
      resource("AWS::RDS::DBInstance", `arn:aws:rds:us-east-1:${ACCOUNT}:db:${id}`, tags);

    expect(status(table("orders"))).toBe("PASS"); // by ARN
    expect(status(table("sessions", { backup: "daily" }))).toBe("PASS"); // by ListOfTags
    expect(status(volume("vol-data", { team: "data" }))).toBe("PASS"); // wildcard AND StringEquals condition
    expect(status(volume("vol-scratch", { team: "data" }))).toBe("FAIL"); // excluded by NotResources
    expect(status(volume("vol-other", { team: "web" }))).toBe("FAIL");
    expect(status(db("billing", { backup: "daily" }))).toBe("PASS");
    // Only a StringLike condition could select it: not judged, so unknown.
    const reporting = verdict(items, db("reporting", { env: "production" }));
    expect(reporting?.status).toBe("ERROR");
    expect(reporting?.reason).toContain("stringLike");
    // No plan in the table's region.
    const far = verdict(items, table("orders", {}, "eu-west-1"));
    expect(far?.status).toBe("FAIL");
    expect(far?.reason).toContain("no AWS Backup plan selects it");
  });

  it("keeps a denied GetBackupSelection as a $error marker (ERROR), and a denied plan listing as a gap (ERROR)", async () => {
    const denied = () =>
      awsError("AccessDeniedException", "not authorized to perform backup:GetBackupSelection", 403);
    const { ctx, gaps } = stubContext(
      answers({
        "backup:GetBackupSelection": (input) =>
          input.SelectionId === "s-tag" ? denied() : answers()["backup:GetBackupSelection"]!(input),
      }),
    );
    const items = await backupCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const selections = items.find((i) => i.resourceId === "p-1")?.supplementaryConfiguration
      .selections as Array<Record<string, unknown>>;
    expect(isCallError(selections[1]?.contents)).toBe(true);
    const table = (name: string, tags: Record<string, string> = {}) =>
      resource("AWS::DynamoDB::Table", `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`, tags);
    // Still covered by the readable ARN selection; otherwise unknown, never a FAIL.
    expect(verdict(items, table("orders"))?.status).toBe("PASS");
    const unknown = verdict(items, table("sessions", { backup: "daily" }));
    expect(unknown?.status).toBe("ERROR");
    expect(unknown?.reason).toContain("AccessDeniedException");

    const listing = stubContext({
      "backup:ListBackupVaults": () => ({ BackupVaultList: [] }),
      "backup:ListBackupPlans": () => awsError("AccessDeniedException", "not authorized", 403),
    });
    expect(await backupCollector.collect(listing.ctx)).toEqual([]);
    expect(listing.gaps.map((g) => g.what)).toEqual(["ListBackupPlans"]);
    const gap: EvaluationGap = {
      service: "backup",
      region: "us-east-1",
      accountId: ACCOUNT,
      code: "AccessDeniedException",
      error: "not authorized",
    };
    expect(verdict([], table("orders"), [gap])?.status).toBe("ERROR");
    expect(verdict([], table("orders"))?.status).toBe("FAIL");
  });
});
