import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_TAG_VALUES } from "../../scripts/seed-demo-account.ts";
import { contentHashOf } from "../../src/domain/shape.ts";
import type { Inventory } from "../../src/domain/types.ts";
import { ValidationError } from "../../src/errors.ts";
import {
  INVENTORY_FORMAT,
  MAX_INVENTORY_DEPTH,
  parseInventory,
  readInventoryFile,
  writeInventoryFile,
} from "../../tools/aws/inventory-file.ts";

const SAMPLE = fileURLToPath(new URL("../../knowledge/samples/demo-account.json", import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "enforceai-inventory-"));
});

const policyText = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::public-site/*" },
  ],
});

/** Items the way AWS Config writes them into a snapshot delivered to S3. */
const CONFIG_SNAPSHOT = {
  fileVersion: "1.0",
  configSnapshotId: "3e5b8a7e-0f0e-4a52-8a0e-000000000000",
  configurationItems: [
    {
      configurationItemVersion: "1.3",
      configurationItemCaptureTime: "2026-01-10T10:00:00.000Z",
      configurationStateId: 1736503200000,
      awsAccountId: "111122223333",
      configurationItemStatus: "OK",
      resourceType: "AWS::S3::Bucket",
      resourceId: "public-site",
      resourceName: "public-site",
      ARN: "arn:aws:s3:::public-site",
      awsRegion: "eu-west-1",
      availabilityZone: "Regional",
      configuration: {
        name: "public-site",
        owner: { displayName: null, id: "abc" },
        creationDate: "2024-03-01T00:00:00.000Z",
      },
      supplementaryConfiguration: {
        AccessControlList: JSON.stringify({
          grantSet: null,
          grantList: [
            { grantee: "AllUsers", permission: "Read" },
            { grantee: { id: "abc", displayName: null }, permission: "FullControl" },
          ],
          owner: { displayName: null, id: "abc" },
          isRequesterCharged: false,
        }),
        BucketPolicy: { policyText },
        ServerSideEncryptionConfiguration: {
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256", kmsMasterKeyID: null },
              bucketKeyEnabled: false,
            },
          ],
        },
        BucketVersioningConfiguration: { status: "Off", isMfaDeleteEnabled: null },
        BucketLoggingConfiguration: { destinationBucketName: null, logFilePrefix: null },
        PublicAccessBlockConfiguration: {
          blockPublicAcls: false,
          ignorePublicAcls: false,
          blockPublicPolicy: false,
          restrictPublicBuckets: false,
        },
        IsRequesterPaysEnabled: false,
      },
      tags: { env: "prod", note: HOSTILE_TAG_VALUES[0] },
      relatedEvents: [],
      relationships: [],
    },
    {
      configurationItemCaptureTime: "2026-01-10T10:05:00.000Z",
      awsAccountId: "111122223333",
      configurationItemStatus: "OK",
      resourceType: "AWS::IAM::Role",
      resourceId: "AROAEXAMPLE",
      resourceName: "deployer",
      ARN: "arn:aws:iam::111122223333:role/deployer",
      awsRegion: "global",
      configuration: {
        roleName: "deployer",
        roleId: "AROAEXAMPLE",
        assumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
          }),
        ),
        rolePolicyList: [
          {
            policyName: "inline",
            policyDocument: encodeURIComponent(
              JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
              }),
            ),
          },
        ],
        attachedManagedPolicies: [
          { policyName: "ReadOnlyAccess", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
        ],
      },
      supplementaryConfiguration: {},
      tags: {},
    },
    {
      // Config's history API and some exports carry the configuration as JSON text.
      configurationItemCaptureTime: "2026-01-10T09:00:00.000Z",
      awsAccountId: "111122223333",
      configurationItemStatus: "ResourceDiscovered",
      resourceType: "AWS::EC2::SecurityGroup",
      resourceId: "sg-0123456789abcdef0",
      ARN: "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0",
      awsRegion: "eu-west-1",
      configuration: JSON.stringify({
        groupId: "sg-0123456789abcdef0",
        groupName: "ssh",
        ipPermissions: [
          {
            ipProtocol: "tcp",
            fromPort: 22,
            toPort: 22,
            ipRanges: ["0.0.0.0/0"],
            ipv4Ranges: [{ cidrIp: "0.0.0.0/0" }],
          },
        ],
      }),
      supplementaryConfiguration: {},
      tags: [{ key: "Name", value: "ssh" }],
    },
    {
      configurationItemCaptureTime: "2026-01-09T09:00:00.000Z",
      awsAccountId: "111122223333",
      configurationItemStatus: "ResourceDeleted",
      resourceType: "AWS::EC2::Instance",
      resourceId: "i-0deleted",
      awsRegion: "eu-west-1",
      configuration: null,
      supplementaryConfiguration: {},
      tags: {},
    },
  ],
};

describe("AWS Config snapshots", () => {
  let inventory: Inventory;

  beforeAll(async () => {
    const file = path.join(dir, "config-snapshot.json");
    await writeFile(file, JSON.stringify(CONFIG_SNAPSHOT));
    inventory = await readInventoryFile(file);
  });

  it("normalises the envelope of every recorded item and skips deleted ones", () => {
    expect(inventory.accountIds).toEqual(["111122223333"]);
    expect(inventory.regions).toEqual(["eu-west-1"]);
    expect(inventory.capturedAt).toBe("2026-01-10T10:05:00.000Z");
    // Config records no metric filters: the CIS monitoring chain is unknown there (ERROR), never a false FAIL.
    expect(inventory.coverageGaps).toEqual([
      {
        service: "logs",
        region: "eu-west-1",
        code: "NotInConfigSnapshot",
        error: expect.stringContaining("do not record CloudWatch Logs metric filters"),
      },
      {
        service: "backup",
        region: "eu-west-1",
        code: "NotInConfigSnapshot",
        error: expect.stringContaining("do not carry what AWS Backup selections cover"),
      },
    ]);
    expect(inventory.items.map((i) => `${i.awsRegion}/${i.resourceType}/${i.resourceId}`)).toEqual([
      "eu-west-1/AWS::EC2::SecurityGroup/sg-0123456789abcdef0",
      "eu-west-1/AWS::S3::Bucket/public-site",
      "global/AWS::IAM::Role/AROAEXAMPLE",
    ]);
    const bucket = inventory.items.find((i) => i.resourceId === "public-site")!;
    expect(bucket).toMatchObject({
      arn: "arn:aws:s3:::public-site",
      accountId: "111122223333",
      resourceName: "public-site",
      configurationItemCaptureTime: "2026-01-10T10:00:00.000Z",
      tags: { env: "prod", note: HOSTILE_TAG_VALUES[0] },
    });
    expect(bucket.configuration).toMatchObject({ name: "public-site", region: "eu-west-1" });
    for (const item of inventory.items) expect(item.contentHash).toBe(contentHashOf(item));
  });

  it("maps S3 supplementary configuration onto the keys the checks read", () => {
    const s = inventory.items.find((i) => i.resourceId === "public-site")!.supplementaryConfiguration;
    expect(s.policy).toEqual(JSON.parse(policyText));
    expect(s.acl).toEqual({
      owner: { id: "abc", displayName: null },
      grants: [
        {
          grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
          permission: "READ",
        },
        { grantee: { type: "CanonicalUser", id: "abc", displayName: null }, permission: "FULL_CONTROL" },
      ],
    });
    expect(s.encryption).toEqual({
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256", kmsMasterKeyID: null },
          bucketKeyEnabled: false,
        },
      ],
    });
    expect(s.versioning).toEqual({ status: null, mfaDelete: null });
    expect(s.logging).toBeNull();
    expect(s.publicAccessBlock).toEqual({
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    expect(s.isRequesterPaysEnabled).toBe(false);
  });

  it("parses IAM documents and configuration given as text", () => {
    const role = inventory.items.find((i) => i.resourceType === "AWS::IAM::Role")!;
    expect(role.configuration.assumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
    });
    expect(role.supplementaryConfiguration).toEqual({
      attachedManagedPolicies: [
        { policyName: "ReadOnlyAccess", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
      ],
      inlinePolicies: [
        {
          policyName: "inline",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
          },
        },
      ],
    });
    const group = inventory.items.find((i) => i.resourceType === "AWS::EC2::SecurityGroup")!;
    expect(group.configuration).toMatchObject({ groupName: "ssh", ipPermissions: [{ fromPort: 22 }] });
    expect(group.tags).toEqual({ Name: "ssh" });
  });
});

describe("saved inventories", () => {
  it("round-trips the bundled sample byte for byte", async () => {
    const original = await readFile(SAMPLE, "utf8");
    const inventory = await readInventoryFile(SAMPLE);
    const copy = path.join(dir, "copy.json");
    await writeInventoryFile(copy, inventory);
    expect(await readFile(copy, "utf8")).toBe(original);
    expect(await readInventoryFile(copy)).toEqual(inventory);
  });

  it("writes keys in a stable order, whatever order the inventory had them in", async () => {
    const inventory = await readInventoryFile(SAMPLE);
    const shuffled: Inventory = {
      items: [...inventory.items]
        .reverse()
        .map((item) => Object.fromEntries(Object.entries(item).reverse()) as typeof item),
      coverageGaps: [
        { error: "AccessDenied: no", region: "eu-west-1", service: "rds", code: "AccessDenied" },
      ],
      capturedAt: inventory.capturedAt,
      regions: [...inventory.regions].reverse(),
      accountIds: inventory.accountIds,
    };
    const file = path.join(dir, "shuffled.json");
    await writeInventoryFile(file, shuffled);
    const written = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown> & {
      items: Array<Record<string, unknown>>;
    };
    expect(Object.keys(written)).toEqual([
      "format",
      "accountIds",
      "regions",
      "capturedAt",
      "coverageGaps",
      "items",
    ]);
    expect(written.format).toBe(INVENTORY_FORMAT);
    expect(Object.keys(written.items[0]!).slice(0, 6)).toEqual([
      "resourceType",
      "resourceId",
      "resourceName",
      "arn",
      "awsRegion",
      "accountId",
    ]);
    expect(written.coverageGaps).toEqual([
      { code: "AccessDenied", error: "AccessDenied: no", region: "eu-west-1", service: "rds" },
    ]);
    const again = path.join(dir, "again.json");
    await writeInventoryFile(again, await readInventoryFile(file));
    expect(await readFile(again, "utf8")).toBe(await readFile(file, "utf8"));
  });

  it("recomputes a content hash that was edited by hand", () => {
    const text = JSON.stringify({
      format: INVENTORY_FORMAT,
      accountIds: ["111122223333"],
      regions: ["us-east-1"],
      capturedAt: "2026-01-01T00:00:00.000Z",
      coverageGaps: [],
      items: [
        {
          resourceType: "AWS::S3::Bucket",
          resourceId: "b",
          arn: "arn:aws:s3:::b",
          awsRegion: "us-east-1",
          accountId: "111122223333",
          configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
          contentHash: "0".repeat(64),
          configuration: { name: "b" },
          supplementaryConfiguration: { policy: null },
          tags: {},
        },
      ],
    });
    const [item] = parseInventory(text).items;
    expect(item?.contentHash).toBe(contentHashOf(item!));
  });
});

describe("anything else", () => {
  const cases: Array<[string, string]> = [
    ["not JSON", "{ this is not json"],
    ["a JSON array", "[]"],
    ["an unknown format", JSON.stringify({ format: "other-tool/v3", items: [] })],
    ["items that are not a list", JSON.stringify({ format: INVENTORY_FORMAT, items: 5 })],
    [
      "an item without a resource id",
      JSON.stringify({ format: INVENTORY_FORMAT, items: [{ resourceType: "AWS::S3::Bucket" }] }),
    ],
    ["a Config item without a resource type", JSON.stringify({ configurationItems: [{ resourceId: "x" }] })],
    ["an unrelated object", JSON.stringify({ Reservations: [] })],
  ];
  for (const [what, text] of cases) {
    it(`refuses ${what} with a one-line ValidationError`, () => {
      let caught: unknown;
      try {
        parseInventory(text, "upload.json");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      const message = (caught as Error).message;
      expect(message).not.toContain("\n");
      expect(message).toContain("upload.json");
    });
  }

  /** Text with `levels` nested lists around a number, built without recursion (JSON.stringify would overflow). */
  const nestedText = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;
  const savedItem = (configuration: string) =>
    `{"format":"${INVENTORY_FORMAT}","items":[{"resourceType":"AWS::S3::Bucket","resourceId":"b",` +
    `"arn":"arn:aws:s3:::b","awsRegion":"us-east-1","accountId":"123456789012",` +
    `"configurationItemCaptureTime":"2026-01-01T00:00:00Z","configuration":${configuration}}]}`;
  const snapshotItem = (configurationText: string) =>
    JSON.stringify({
      configurationItems: [
        {
          resourceType: "AWS::S3::Bucket",
          resourceId: "b",
          awsRegion: "us-east-1",
          configuration: configurationText,
        },
      ],
    });
  const unstorable: Array<[string, string, RegExp]> = [
    [
      "a saved inventory nested 5,000 levels",
      savedItem(`{"x":${nestedText(5000)}}`),
      new RegExp(`items\\[0\\]\\.configuration\\.x.* nests deeper than ${MAX_INVENTORY_DEPTH} levels`),
    ],
    [
      "a NUL inside a string value",
      savedItem('{"name":"a\\u0000b"}'),
      /items\[0\]\.configuration\.name contains a NUL/,
    ],
    [
      "a NUL inside a key",
      savedItem('{"na\\u0000me":"b"}'),
      /a key under items\[0\]\.configuration contains a NUL/,
    ],
    [
      "an unpaired surrogate",
      savedItem('{"name":"a\\ud800b"}'),
      /configuration\.name contains a lone UTF-16 surrogate/,
    ],
    [
      "Config configuration text nested 5,000 levels",
      snapshotItem(`{"x":${nestedText(5000)}}`),
      /configurationItems\[0\]\.configuration\.x.* nests deeper than 64 levels/,
    ],
    [
      "a NUL inside Config configuration text",
      snapshotItem('{"name":"a\\u0000b"}'),
      /configurationItems\[0\]\.configuration\.name contains a NUL/,
    ],
  ];
  for (const [what, text, pattern] of unstorable) {
    it(`refuses ${what} with one line naming the place and what to do (issue 17, item 11)`, () => {
      let caught: unknown;
      try {
        parseInventory(text, "upload.json");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      const message = (caught as Error).message;
      expect(message).not.toContain("\n");
      expect(message.length).toBeLessThan(600);
      expect(message).toMatch(pattern);
      expect(message).toMatch(/run the scan again$/);
    });
  }

  it(`accepts ${MAX_INVENTORY_DEPTH} levels`, () => {
    // The document, items, the item and configuration are four levels; the rest is the nested value.
    const inventory = parseInventory(savedItem(`{"x":${nestedText(MAX_INVENTORY_DEPTH - 5)}}`), "ok.json");
    expect(inventory.items).toHaveLength(1);
  });

  it("keeps a not-JSON message on one line when the text has line breaks", () => {
    expect(() => parseInventory("not json\nat all\n", "x.json")).toThrow(/^x\.json is not JSON \([^\n]*\)/);
    try {
      parseInventory("not json\nat all\n", "x.json");
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("says what it expected when the shape is unknown", () => {
    expect(() => parseInventory("[]", "x.json")).toThrow(
      /expected an AWS Config snapshot .* or a saved EnforceAI inventory/,
    );
  });

  it("refuses a missing file as a ValidationError naming it", async () => {
    await expect(readInventoryFile(path.join(dir, "missing.json"))).rejects.toThrow(ValidationError);
    await expect(readInventoryFile(path.join(dir, "missing.json"))).rejects.toThrow(
      /missing\.json \(ENOENT\)/,
    );
  });
});

describe("the bundled sample account", () => {
  it("is a believable two-region account across the seven services, with hostile tags kept as data", async () => {
    const sample = await readInventoryFile(SAMPLE);
    expect(sample.accountIds).toEqual(["123456789012"]);
    expect(sample.regions).toEqual(["eu-west-1", "us-east-1"]);
    expect(sample.items.length).toBeGreaterThanOrEqual(150);
    const services = new Set(sample.items.map((i) => i.resourceType.split("::")[1]));
    for (const service of ["EC2", "S3", "IAM", "RDS", "Lambda", "CloudTrail", "KMS"])
      expect(services).toContain(service);
    const tagValues = sample.items.flatMap((i) => Object.values(i.tags));
    for (const hostile of HOSTILE_TAG_VALUES) expect(tagValues).toContain(hostile);
    expect(sample.items.every((i) => i.configurationItemCaptureTime === sample.capturedAt)).toBe(true);
  });
});
