/**
 * Lambda environment secrets never enter the store, whatever path the item takes (issue 17, item 8): a saved
 * inventory file, an AWS Config snapshot, live discovery against moto, targeted re-discovery as the watcher
 * runs it, and an item handed to the store directly. Each is checked in what a viewer gets back from
 * `GET /api/v1/resources`, on both store backends.
 */
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactItem } from "../../src/domain/secrets.ts";
import { contentHashOf } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { awsAccess } from "../../tools/aws/access.ts";
import { discoverAccount, discoverResources } from "../../tools/aws/discover.ts";
import { INVENTORY_FORMAT, parseInventory } from "../../tools/aws/inventory-file.ts";
import { type Harness, startHarness } from "../api/harness.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { storeBackends } from "../helpers/stores.ts";
import { assumeRolePolicy, EMPTY_ZIP } from "../services/watch-seeds.ts";
import { accountCredentials, randomAccountId } from "./moto-helpers.ts";

const DB_PASSWORD = "hunter2-very-secret";
const API_TOKEN = "tok_live_5f2b9c";
const SECRETS = [DB_PASSWORD, API_TOKEN];
const ENV = { DB_PASSWORD, API_TOKEN, LOG_LEVEL: "debug", FEATURE_ON: "true" };

function lambdaItem(name: string, variables: Record<string, string>): ConfigurationItem {
  return {
    resourceType: "AWS::Lambda::Function",
    resourceId: name,
    resourceName: name,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    awsRegion: "us-east-1",
    accountId: "123456789012",
    configuration: { functionName: name, environment: { variables } },
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
  };
}

const savedFile = JSON.stringify({ format: INVENTORY_FORMAT, items: [lambdaItem("from-file", ENV)] });
const snapshotFile = JSON.stringify({
  configurationItems: [
    {
      resourceType: "AWS::Lambda::Function",
      resourceId: "from-snapshot",
      resourceName: "from-snapshot",
      ARN: "arn:aws:lambda:us-east-1:123456789012:function:from-snapshot",
      awsRegion: "us-east-1",
      awsAccountId: "123456789012",
      configurationItemStatus: "OK",
      configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
      // Config records the configuration as JSON text, with the SDK's capitalised keys.
      configuration: JSON.stringify({ FunctionName: "from-snapshot", Environment: { Variables: ENV } }),
      supplementaryConfiguration: {},
      tags: {},
    },
  ],
});

function expectRedacted(item: ConfigurationItem | undefined) {
  expect(item).toBeDefined();
  const text = JSON.stringify(item);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  const variables = (item!.configuration.environment as { variables: Record<string, string> }).variables;
  expect(variables.DB_PASSWORD).toBe(`[redacted literal, ${DB_PASSWORD.length} characters]`);
  expect(variables.API_TOKEN).toMatch(/^\[redacted literal, \d+ characters\]$/);
  expect(variables.FEATURE_ON).toBe("true");
  // The hash describes what is kept, not what was read.
  expect(item!.contentHash).toBe(contentHashOf(item!));
}

describe("the one redaction", () => {
  it("redacts the variable maps, keeps names, flags and references, and is idempotent", () => {
    const once = redactItem(
      lambdaItem("f", { ...ENV, SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:x" }),
    );
    expectRedacted(once);
    expect(
      (once.configuration.environment as { variables: Record<string, string> }).variables.SECRET_ARN,
    ).toMatch(/^arn:aws:secretsmanager:/);
    expect(redactItem(once)).toBe(once);
  });

  it("redacts ECS container environment values from files, keeping names and references", () => {
    const taskDefinition: ConfigurationItem = {
      ...lambdaItem("unused", {}),
      resourceType: "AWS::ECS::TaskDefinition",
      resourceId: "web:3",
      arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
      configuration: {
        family: "web",
        containerDefinitions: [
          {
            name: "app",
            environment: [
              { name: "DB_PASSWORD", value: DB_PASSWORD },
              { name: "TOKEN_ARN", value: "arn:aws:secretsmanager:us-east-1:1:secret:x" },
              { name: "DEBUG", value: "false" },
            ],
          },
        ],
      },
    };
    const file = JSON.stringify({ format: INVENTORY_FORMAT, items: [taskDefinition] });
    const item = parseInventory(file, "saved.json").items[0]!;
    expect(JSON.stringify(item)).not.toContain(DB_PASSWORD);
    const [app] = item.configuration.containerDefinitions as {
      environment: { name: string; value: string }[];
    }[];
    expect(app!.environment).toEqual([
      { name: "DB_PASSWORD", value: `[redacted literal, ${DB_PASSWORD.length} characters]` },
      { name: "TOKEN_ARN", value: "arn:aws:secretsmanager:us-east-1:1:secret:x" },
      { name: "DEBUG", value: "false" },
    ]);
    expect(item.contentHash).toBe(contentHashOf(item));
    expect(redactItem(item)).toBe(item);
  });

  it("file and snapshot inventories come out redacted", () => {
    expectRedacted(parseInventory(savedFile, "saved.json").items[0]);
    expectRedacted(parseInventory(snapshotFile, "snapshot.json").items[0]);
  });
});

for (const backend of storeBackends()) {
  describe(`what a viewer reads back from GET /resources (${backend.name})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(await backend.open());
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    it("holds no literal from a file, a snapshot, or an item handed to the store unredacted", async () => {
      const { store } = h.app;
      await store.scans.create({
        id: "scan-files",
        source: "inventory",
        requestedBy: "t",
        startedAt: new Date(),
        frameworks: [],
      });
      await store.resources.saveScanInventory("scan-files", [
        ...parseInventory(savedFile, "saved.json").items,
        ...parseInventory(snapshotFile, "snapshot.json").items,
        lambdaItem("handed-in", ENV),
      ]);
      await store.resources.applyChanges("evaluation-1", [lambdaItem("from-event", ENV)], []);
      const r = await h.call("GET", "/api/v1/resources?type=AWS::Lambda::Function", {
        role: "viewer",
      });
      expect(r.status).toBe(200);
      for (const secret of SECRETS) expect(r.text).not.toContain(secret);
      const names = r.body.items.map((i: ConfigurationItem) => i.resourceId).sort();
      expect(names).toEqual(["from-event", "from-file", "from-snapshot", "handed-in"]);
      for (const item of r.body.items) expectRedacted(item);
      const versions = await store.db.pool.query<{ item: unknown }>("SELECT item FROM resource_versions");
      for (const secret of SECRETS) expect(JSON.stringify(versions.rows)).not.toContain(secret);
    });
  });
}

serviceDescribe(
  "moto",
  "live and targeted discovery of a Lambda function with secrets in its environment",
  (endpoint) => {
    const accountId = randomAccountId();
    const credentials = accountCredentials(endpoint, accountId);
    const name = `redaction-${accountId}`;
    beforeAll(async () => {
      const access = awsAccess({ homeRegion: "us-east-1", endpoint, credentials, maxAttempts: 2 });
      const clients = access.clientsFor("us-east-1");
      const role = await clients.get("iam").send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: assumeRolePolicy("lambda.amazonaws.com"),
        }),
      );
      await clients.get("lambda").send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "python3.12",
          Role: role.Role!.Arn!,
          Handler: "index.handler",
          Code: { ZipFile: EMPTY_ZIP },
          Environment: { Variables: ENV },
        }),
      );
    }, 60_000);

    it("a live scan's discovery keeps no literal", async () => {
      const result = await discoverAccount({
        endpoint,
        credentials,
        regions: ["us-east-1"],
        services: ["lambda"],
        maxAttempts: 2,
      });
      expectRedacted(result.items.find((i) => i.resourceId === name));
    }, 60_000);

    it("targeted re-discovery, as the watcher runs it, keeps no literal", async () => {
      const access = awsAccess({ homeRegion: "us-east-1", endpoint, credentials, maxAttempts: 2 });
      const read = await discoverResources(
        access,
        [
          {
            resourceType: "AWS::Lambda::Function",
            region: "us-east-1",
            accountId,
            arn: "arn:aws:::",
            ids: [name],
          },
        ],
        { onlyNamed: true, perResourceConcurrency: 16 },
      );
      expectRedacted(read.items.find((i) => i.resourceId === name));
    }, 60_000);
  },
);
