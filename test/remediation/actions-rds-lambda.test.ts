/**
 * RDS and Lambda actions against violating resources created in moto: plan, reject, approve, apply, verify
 * with the real checks. One DB instance violates four checks at once; each action is its own request.
 */
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
} from "@aws-sdk/client-lambda";
import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { exerciseAction } from "./flow.ts";
import { type MotoAccount, motoAccount, suffix, TestClock } from "./helpers.ts";

const moto = requireService("moto");

/** An empty zip archive: enough for moto to create a function. */
const EMPTY_ZIP = Buffer.from("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==", "base64");

describe.skipIf(!moto)("RDS and Lambda remediation actions against moto", () => {
  let store: Store;
  const accounts: MotoAccount[] = [];
  let rdsAccount: MotoAccount;
  let db: string;
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
    rdsAccount = motoAccount(moto!);
    accounts.push(rdsAccount);
    db = `enforceai-db-${suffix()}`;
    await rdsAccount.client("rds").send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: db,
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "appowner",
        MasterUserPassword: "a-long-test-password",
        AllocatedStorage: 20,
        PubliclyAccessible: true,
        BackupRetentionPeriod: 0,
        AutoMinorVersionUpgrade: false,
        DeletionProtection: false,
      }),
    );
  });
  afterAll(async () => {
    for (const a of accounts) a.destroy();
    await store?.close();
  });

  const live = async () =>
    (await rdsAccount.client("rds").send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db })))
      .DBInstances![0]!;

  it("rds_enable_deletion_protection", async () => {
    const { request } = await exerciseAction(store, new TestClock(), rdsAccount, {
      actionId: "rds_enable_deletion_protection",
      resourceId: db,
      services: ["rds"],
      expectChecks: ["rds_instance_deletion_protection"],
    });
    expect(request.plan?.calls[0]?.input).toEqual({
      DBInstanceIdentifier: db,
      DeletionProtection: true,
      ApplyImmediately: true,
    });
    expect((await live()).DeletionProtection).toBe(true);
  });

  it("rds_set_backup_retention, with ApplyImmediately as a parameter", async () => {
    const { request } = await exerciseAction(store, new TestClock(), rdsAccount, {
      actionId: "rds_set_backup_retention",
      resourceId: db,
      services: ["rds"],
      params: { rds_set_backup_retention: { applyImmediately: false, retentionDays: 10 } },
      expectChecks: ["rds_instance_backup_enabled"],
    });
    expect(request.plan?.calls[0]?.input).toEqual({
      DBInstanceIdentifier: db,
      BackupRetentionPeriod: 10,
      ApplyImmediately: false,
    });
    expect(request.plan?.notes.join(" ")).toMatch(/maintenance window/);
    expect((await live()).BackupRetentionPeriod).toBe(10);
  });

  it("rds_disable_public_access", async () => {
    await exerciseAction(store, new TestClock(), rdsAccount, {
      actionId: "rds_disable_public_access",
      resourceId: db,
      services: ["rds"],
      expectChecks: ["rds_instance_not_publicly_accessible"],
    });
    expect((await live()).PubliclyAccessible).toBe(false);
  });

  it("rds_enable_auto_minor_upgrade", async () => {
    await exerciseAction(store, new TestClock(), rdsAccount, {
      actionId: "rds_enable_auto_minor_upgrade",
      resourceId: db,
      services: ["rds"],
      expectChecks: ["rds_instance_auto_minor_version_upgrade"],
    });
    expect((await live()).AutoMinorVersionUpgrade).toBe(true);
  });

  it("lambda_function_url_iam_auth sets the function URL's auth type to AWS_IAM", async () => {
    const a = motoAccount(moto!);
    accounts.push(a);
    const role = await a.client("iam").send(
      new CreateRoleCommand({
        RoleName: `enforceai-fn-${suffix()}`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      }),
    );
    const fn = `enforceai-fn-${suffix()}`;
    const lambda = a.client("lambda");
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: "python3.12",
        Role: role.Role!.Arn,
        Handler: "app.handler",
        Code: { ZipFile: EMPTY_ZIP },
      }),
    );
    await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: fn, AuthType: "NONE" }));
    await exerciseAction(store, new TestClock(), a, {
      actionId: "lambda_function_url_iam_auth",
      resourceId: fn,
      services: ["lambda"],
      expectChecks: ["lambda_function_url_auth_required"],
    });
    expect((await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: fn }))).AuthType).toBe(
      "AWS_IAM",
    );
  });
});
