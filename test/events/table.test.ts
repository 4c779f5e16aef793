/**
 * The shipped event table (knowledge/events.yaml): it loads, covers the write calls of every collected service,
 * lists no read-only call, names only types a collector reads, refuses malformed tables with a message naming
 * the entry, and finds the expected resource in realistic CloudTrail records (test/fixtures/events). No
 * services needed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EVENT_TABLE_DOC, eventTableDoc } from "../../scripts/events-doc.ts";
import { compileEventTable, type EventTable, identifiersOf, loadEventTable } from "../../src/events/table.ts";
import { EVENT_TABLE_FILE } from "../../src/paths.ts";
import { SERVICE_NAMES } from "../../tools/aws/collector.ts";
import { serviceOfType } from "../../tools/aws/discover.ts";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "events");

interface RecordCase {
  title: string;
  record: { eventSource: string; eventName: string } & Record<string, unknown>;
  expect: { resourceType: string; ids: string[] };
}

const cases = JSON.parse(
  readFileSync(path.join(FIXTURES, "cloudtrail-records.json"), "utf8"),
) as RecordCase[];

/** Every (source, eventName, resourceType) of a table. */
function entries(table: EventTable) {
  return [...table.rules.values()].flat();
}

describe("the shipped event table", async () => {
  const table = await loadEventTable(EVENT_TABLE_FILE);

  it("loads and is large enough to follow the write calls of every collector", () => {
    expect(table.size).toBeGreaterThanOrEqual(150);
    expect(entries(table)).toHaveLength(table.size);
  });

  it("names only resource types a collector reads", () => {
    const unread = [...table.resourceTypes].filter((t) => serviceOfType(t) === undefined);
    expect(unread).toEqual([]);
  });

  it("has at least one entry for every collected service", () => {
    // account and organizations are single records, but both have write calls worth following (alternate
    // contacts; SCPs and the organization itself), so no service is exempt.
    const covered = new Set([...table.resourceTypes].map((t) => serviceOfType(t)));
    expect(SERVICE_NAMES.filter((s) => !covered.has(s))).toEqual([]);
  });

  it("lists the calls the watcher must never miss", () => {
    const has = (source: string, eventName: string, resourceType: string) =>
      table.rulesFor(source, eventName).some((r) => r.resourceType === resourceType);
    const required: [string, string, string][] = [
      ["s3.amazonaws.com", "PutBucketPolicy", "AWS::S3::Bucket"],
      ["s3.amazonaws.com", "DeleteBucketPolicy", "AWS::S3::Bucket"],
      ["s3.amazonaws.com", "PutBucketPublicAccessBlock", "AWS::S3::Bucket"],
      ["s3.amazonaws.com", "DeleteBucketPublicAccessBlock", "AWS::S3::Bucket"],
      ["s3.amazonaws.com", "PutAccountPublicAccessBlock", "AWS::S3::AccountPublicAccessBlock"],
      ["s3.amazonaws.com", "DeleteAccountPublicAccessBlock", "AWS::S3::AccountPublicAccessBlock"],
      ["ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "AWS::EC2::SecurityGroup"],
      ["iam.amazonaws.com", "CreateAccessKey", "AWS::IAM::User"],
      ["iam.amazonaws.com", "AttachUserPolicy", "AWS::IAM::User"],
      ["iam.amazonaws.com", "AttachUserPolicy", "AWS::IAM::Policy"],
      ["rds.amazonaws.com", "ModifyDBInstance", "AWS::RDS::DBInstance"],
      ["cloudtrail.amazonaws.com", "StopLogging", "AWS::CloudTrail::Trail"],
      ["kms.amazonaws.com", "DisableKeyRotation", "AWS::KMS::Key"],
      // Lambda's names as CloudTrail records them (API version suffix), and the plain ones.
      ["lambda.amazonaws.com", "AddPermission20150331v2", "AWS::Lambda::Function"],
      ["lambda.amazonaws.com", "AddPermission", "AWS::Lambda::Function"],
      ["lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", "AWS::Lambda::Function"],
      ["lambda.amazonaws.com", "CreateFunctionUrlConfig", "AWS::Lambda::Function"],
    ];
    expect(required.filter(([s, e, t]) => !has(s, e, t))).toEqual([]);
  });

  it("lists no read-only call", () => {
    const readOnly = entries(table)
      .map((r) => r.eventName)
      .filter((name) => /^(Get|List|Describe|Head|BatchGet|Lookup|Search)[A-Z]/.test(name));
    expect(readOnly).toEqual([]);
  });

  it("entries without ids are the single-record types only", () => {
    const singletons = new Set(
      entries(table)
        .filter((r) => r.ids.length === 0)
        .map((r) => r.resourceType),
    );
    expect([...singletons].sort()).toEqual(
      [
        "AWS::::Account",
        "AWS::Config::ConfigurationRecorder",
        "AWS::EC2::RegionalSettings",
        "AWS::ECR::RegistryScanningConfiguration",
        "AWS::IAM::AccountSummary",
        "AWS::IAM::PasswordPolicy",
        "AWS::Macie::Session",
        "AWS::Organizations::Organization",
        "AWS::S3::AccountPublicAccessBlock",
        "AWS::SecurityHub::Hub",
      ].sort(),
    );
  });

  it("has a generated page (docs/event-table.md) that is current; run scripts/events-doc.ts when this fails", () => {
    expect(readFileSync(EVENT_TABLE_DOC, "utf8")).toBe(eventTableDoc());
  });
});

describe("identifiers found in CloudTrail records", async () => {
  const table = await loadEventTable(EVENT_TABLE_FILE);

  it("has at least 40 records, one or more per service", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const services = new Set(cases.map((c) => serviceOfType(c.expect.resourceType)));
    expect(SERVICE_NAMES.filter((s) => !services.has(s))).toEqual([]);
  });

  it.each(cases.map((c) => [c.title, c] as const))("%s", (_title, c) => {
    const rule = table
      .rulesFor(c.record.eventSource, c.record.eventName)
      .find((r) => r.resourceType === c.expect.resourceType);
    expect(rule, `${c.record.eventSource} ${c.record.eventName} → ${c.expect.resourceType}`).toBeDefined();
    expect(identifiersOf(rule!, c.record)).toEqual(c.expect.ids);
  });

  it("a call the table does not follow has no rules", () => {
    expect(table.rulesFor("s3.amazonaws.com", "GetBucketPolicy")).toEqual([]);
    expect(table.rulesFor("ec2.amazonaws.com", "DescribeInstances")).toEqual([]);
  });
});

describe("a malformed table is refused, naming the entry", () => {
  const good = { source: "s3.amazonaws.com", resourceType: "AWS::S3::Bucket", events: ["PutBucketPolicy"] };

  it("refuses an invalid JMESPath expression", () => {
    expect(() =>
      compileEventTable([good, { ...good, ids: ["requestParameters.[bucketName"] }], "t.yaml"),
    ).toThrow(
      /t\.yaml: entry 1 \(s3\.amazonaws\.com AWS::S3::Bucket\) has an invalid JMESPath "requestParameters\.\[bucketName"/,
    );
  });

  it("refuses the same (source, event, type) listed twice", () => {
    expect(() => compileEventTable([good, good], "t.yaml")).toThrow(
      /s3\.amazonaws\.com PutBucketPolicy → AWS::S3::Bucket is listed twice/,
    );
  });

  it("allows one event under two types", () => {
    const table = compileEventTable([good, { ...good, resourceType: "AWS::S3::AccountPublicAccessBlock" }]);
    expect(table.rulesFor("s3.amazonaws.com", "PutBucketPolicy").map((r) => r.resourceType)).toEqual([
      "AWS::S3::Bucket",
      "AWS::S3::AccountPublicAccessBlock",
    ]);
  });

  it.each([
    [
      "a source that is not an eventSource",
      { ...good, source: "s3" },
      /entry 0\.source must be a CloudTrail eventSource/,
    ],
    [
      "a malformed resource type",
      { ...good, resourceType: "S3 bucket" },
      /entry 0\.resourceType must be a resource type/,
    ],
    [
      "a malformed event name",
      { ...good, events: ["put bucket policy"] },
      /entry 0\.events\.0 must be an API operation name/,
    ],
    ["an empty events list", { ...good, events: [] }, /entry 0\.events/],
    ["an empty ids list", { ...good, ids: [] }, /entry 0\.ids/],
    ["an unknown key", { ...good, id: ["requestParameters.bucketName"] }, /entry 0/],
  ])("refuses %s", (_what, entry, message) => {
    expect(() => compileEventTable([entry], "t.yaml")).toThrow(message);
  });

  it("refuses a table that is not a list", () => {
    expect(() => compileEventTable({ source: "s3.amazonaws.com" }, "t.yaml")).toThrow(/^t\.yaml: entry /);
  });
});
