/**
 * The governance collectors (AWS Config, Security Hub, GuardDuty, Macie, Organizations, the Account API's
 * alternate contacts) against moto, seeded by scripts/seed-governance.ts in a random account: each planted
 * violation (eu-west-1) FAILs and its compliant twin (us-east-1) PASSes. Then, over stubbed SDK clients, the
 * answers moto does not model and the AccessDenied paths.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { GOVERNANCE_OFF, GOVERNANCE_ON, seedGovernance } from "../../scripts/seed-governance.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { accountCollector } from "../../tools/aws/account.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { configCollector } from "../../tools/aws/config.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { guarddutyCollector } from "../../tools/aws/guardduty.ts";
import { macieCollector } from "../../tools/aws/macie.ts";
import { organizationsCollector } from "../../tools/aws/organizations.ts";
import { securityhubCollector } from "../../tools/aws/securityhub.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const REGIONS = [GOVERNANCE_ON, GOVERNANCE_OFF];
const SERVICES = ["config", "securityhub", "guardduty", "macie", "organizations"];
const NOW = new Date("2026-05-04T12:00:00.000Z");

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, NOW))?.status;
}

serviceDescribe("moto", "governance collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  const one = (type: string, region: string) => {
    const found = ofType(items, type, region);
    expect(found, `${type} in ${region}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const sets = new Map<string, AwsClientSet>();
    const clients = (region: string) => {
      let set = sets.get(region);
      if (!set) {
        set = new AwsClientSet(
          region,
          () => ({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
          createClient,
          counter,
        );
        sets.set(region, set);
      }
      return set;
    };
    try {
      await seedGovernance(accountId, clients);
    } finally {
      for (const set of sets.values()) set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: REGIONS,
      services: SERVICES,
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads every governance service of both regions without a coverage gap", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps).toEqual([]);
  });

  it("records Macie as not enabled in both regions (the seeder leaves it off; see seed-governance.ts)", () => {
    for (const region of REGIONS) {
      const session = one("AWS::Macie::Session", region);
      expect(session.configuration.status).toBe("NOT_ENABLED");
      expect(verdict(items, "macie_enabled", session)).toBe("FAIL");
    }
  });

  it("records the Config recorders with status and delivery channels", () => {
    const on = one("AWS::Config::ConfigurationRecorder", GOVERNANCE_ON);
    expect(on.resourceId).toBe("default");
    expect(on.configuration).toMatchObject({
      recorderExists: true,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    });
    expect(on.supplementaryConfiguration.status).toMatchObject({ name: "default", recording: true });
    expect(on.supplementaryConfiguration.deliveryChannels).toEqual([
      expect.objectContaining({ name: "default", s3BucketName: `config-delivery-${accountId}` }),
    ]);
    const off = one("AWS::Config::ConfigurationRecorder", GOVERNANCE_OFF);
    expect(off.resourceId).toBe("partial");
    expect(off.supplementaryConfiguration.status).toMatchObject({ recording: false });
    expect(off.supplementaryConfiguration.deliveryChannels).toEqual([]);
  });

  it("records a hub and a detector in one region and their absence in the other", () => {
    expect(one("AWS::SecurityHub::Hub", GOVERNANCE_ON).configuration.hubEnabled).toBe(true);
    expect(one("AWS::SecurityHub::Hub", GOVERNANCE_OFF).configuration.hubEnabled).toBe(false);
    const detector = one("AWS::GuardDuty::Detector", GOVERNANCE_ON);
    expect(detector.configuration.detectorExists).toBe(true);
    expect(detector.supplementaryConfiguration.detector).toMatchObject({
      status: "ENABLED",
      findingPublishingFrequency: "FIFTEEN_MINUTES",
    });
    expect(one("AWS::GuardDuty::Detector", GOVERNANCE_OFF).configuration.detectorExists).toBe(false);
  });

  it("records the account outside any organisation and its alternate contacts", () => {
    const org = one("AWS::Organizations::Organization", "global");
    expect(org.configuration.inOrganization).toBe(false);
    const account = one("AWS::::Account", "global");
    const contacts = account.supplementaryConfiguration.alternateContacts as Record<string, unknown>;
    expect(contacts.SECURITY).toMatchObject({ emailAddress: "security@example.com" });
    expect(contacts.BILLING).toBeNull();
    expect(contacts.OPERATIONS).toBeNull();
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    const regional: Array<[string, string]> = [
      ["config_recorder_enabled", "AWS::Config::ConfigurationRecorder"],
      ["config_recorder_all_resource_types", "AWS::Config::ConfigurationRecorder"],
      ["config_recorder_delivery_channel", "AWS::Config::ConfigurationRecorder"],
      ["securityhub_enabled", "AWS::SecurityHub::Hub"],
      ["guardduty_enabled", "AWS::GuardDuty::Detector"],
    ];
    for (const [id, type] of regional) {
      expect(verdict(items, id, one(type, GOVERNANCE_ON)), `${id} in ${GOVERNANCE_ON}`).toBe("PASS");
      expect(verdict(items, id, one(type, GOVERNANCE_OFF)), `${id} in ${GOVERNANCE_OFF}`).toBe("FAIL");
    }
    const detector = one("AWS::GuardDuty::Detector", GOVERNANCE_ON);
    for (const id of [
      "guardduty_s3_protection_enabled",
      "guardduty_eks_audit_logs_enabled",
      "guardduty_rds_protection_enabled",
      "guardduty_lambda_protection_enabled",
      "guardduty_runtime_monitoring_enabled",
      "guardduty_malware_protection_enabled",
      "guardduty_findings_frequent_publishing",
    ])
      expect(verdict(items, id, detector), id).toBe("PASS");
    const account = one("AWS::::Account", "global");
    expect(verdict(items, "account_security_contact_registered", account)).toBe("PASS");
    expect(verdict(items, "account_billing_contact_registered", account)).toBe("FAIL");
    expect(verdict(items, "account_operations_contact_registered", account)).toBe("FAIL");
    // The compliant region records the global IAM types: once is enough for the account.
    expect(verdict(items, "config_global_resource_types_recorded", account)).toBe("PASS");
    expect(
      verdict(
        items.filter(
          (i) => !(i.resourceType === "AWS::Config::ConfigurationRecorder" && i.awsRegion === GOVERNANCE_ON),
        ),
        "config_global_resource_types_recorded",
        account,
      ),
    ).toBe("FAIL");
    const org = one("AWS::Organizations::Organization", "global");
    expect(verdict(items, "organizations_account_member", org)).toBe("FAIL");
  });

  it("gives ERROR, not FAIL, where moto cannot answer (GetEnabledStandards, ListPublishingDestinations)", () => {
    // moto 5.2.1 implements neither call; the marker must turn the checks that read them into ERROR.
    const hub = one("AWS::SecurityHub::Hub", GOVERNANCE_ON);
    const standards = hub.supplementaryConfiguration.enabledStandards;
    if (isCallError(standards))
      expect(verdict(items, "securityhub_fsbp_standard_enabled", hub)).toBe("ERROR");
    const detector = one("AWS::GuardDuty::Detector", GOVERNANCE_ON);
    if (isCallError(detector.supplementaryConfiguration.publishingDestinations))
      expect(verdict(items, "guardduty_findings_exported", detector)).toBe("ERROR");
  });
});

describe("governance collectors over stubbed answers (what moto does not model)", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized", 403);

  it("keeps Security Hub's enabled standards as AWS documents them (moto lacks GetEnabledStandards)", async () => {
    const { ctx, gaps } = stubContext({
      "securityhub:DescribeHub": () => ({
        HubArn: "arn:aws:securityhub:us-east-1:111122223333:hub/default",
        AutoEnableControls: true,
        ControlFindingGenerator: "SECURITY_CONTROL",
      }),
      "securityhub:GetEnabledStandards": (input) =>
        input.NextToken
          ? {
              StandardsSubscriptions: [
                {
                  StandardsArn:
                    "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
                  StandardsStatus: "INCOMPLETE",
                },
              ],
            }
          : {
              StandardsSubscriptions: [
                {
                  StandardsArn:
                    "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
                  StandardsSubscriptionArn: "arn:aws:securityhub:us-east-1:111122223333:subscription/fsbp",
                  StandardsStatus: "READY",
                },
              ],
              NextToken: "page-2",
            },
    });
    const [hub] = await securityhubCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(hub!.configuration).toMatchObject({ hubEnabled: true, autoEnableControls: true });
    const items = [hub!];
    expect(verdict(items, "securityhub_fsbp_standard_enabled", hub!)).toBe("PASS");
    expect(verdict(items, "securityhub_cis_standard_enabled", hub!)).toBe("FAIL");
    expect(verdict(items, "securityhub_no_failed_standards", hub!)).toBe("FAIL");
  });

  it("records Security Hub as not enabled on InvalidAccessException, and a gap on AccessDenied", async () => {
    const off = stubContext({
      "securityhub:DescribeHub": () => awsError("InvalidAccessException", "Account is not subscribed"),
    });
    const [hub] = await securityhubCollector.collect(off.ctx);
    expect(hub!.configuration.hubEnabled).toBe(false);
    expect(off.gaps).toEqual([]);
    const no = stubContext({ "securityhub:DescribeHub": denied });
    expect(await securityhubCollector.collect(no.ctx)).toEqual([]);
    expect(no.gaps.map((g) => g.what)).toEqual(["DescribeHub"]);
  });

  it("keeps GuardDuty features and findings export (moto lacks ListPublishingDestinations)", async () => {
    const { ctx } = stubContext({
      "guardduty:ListDetectors": () => ({ DetectorIds: ["d-1"] }),
      "guardduty:GetDetector": () => ({
        Status: "ENABLED",
        ServiceRole: "role",
        FindingPublishingFrequency: "SIX_HOURS",
        Features: [
          { Name: "S3_DATA_EVENTS", Status: "ENABLED" },
          { Name: "RUNTIME_MONITORING", Status: "DISABLED" },
        ],
      }),
      "guardduty:ListPublishingDestinations": () => ({
        Destinations: [{ DestinationId: "x", DestinationType: "S3", Status: "PUBLISHING" }],
      }),
    });
    const [detector] = await guarddutyCollector.collect(ctx);
    const items = [detector!];
    expect(verdict(items, "guardduty_enabled", detector!)).toBe("PASS");
    expect(verdict(items, "guardduty_s3_protection_enabled", detector!)).toBe("PASS");
    expect(verdict(items, "guardduty_runtime_monitoring_enabled", detector!)).toBe("FAIL");
    expect(verdict(items, "guardduty_findings_exported", detector!)).toBe("PASS");
    expect(verdict(items, "guardduty_findings_frequent_publishing", detector!)).toBe("FAIL");
  });

  it("turns a denied GetDetector into a $error marker and ERROR verdicts", async () => {
    const { ctx, gaps } = stubContext({
      "guardduty:ListDetectors": () => ({ DetectorIds: ["d-1"] }),
      "guardduty:GetDetector": denied,
      "guardduty:ListPublishingDestinations": denied,
    });
    const [detector] = await guarddutyCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(isCallError(detector!.supplementaryConfiguration.detector)).toBe(true);
    expect(verdict([detector!], "guardduty_enabled", detector!)).toBe("ERROR");
  });

  it("records a member account's denied SCP listing as $error, never a FAIL", async () => {
    const { ctx, gaps } = stubContext({
      "organizations:DescribeOrganization": () => ({
        Organization: {
          Id: "o-abc",
          Arn: "arn:aws:organizations::999988887777:organization/o-abc",
          FeatureSet: "ALL",
        },
      }),
      "organizations:ListPoliciesForTarget": denied,
    });
    const [org] = await organizationsCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(org!.awsRegion).toBe("global");
    expect(isCallError(org!.supplementaryConfiguration.serviceControlPolicies)).toBe(true);
    expect(verdict([org!], "organizations_account_member", org!)).toBe("PASS");
    expect(verdict([org!], "organizations_scp_attached", org!)).toBe("ERROR");
  });

  it("records a denied alternate contact as $error on the account item", async () => {
    const { ctx } = stubContext({
      "account:GetAlternateContact": (input) =>
        input.AlternateContactType === "SECURITY"
          ? denied()
          : awsError("ResourceNotFoundException", "No contact", 404),
    });
    const [account] = await accountCollector.collect(ctx);
    const contacts = account!.supplementaryConfiguration.alternateContacts as Record<string, unknown>;
    expect(isCallError(contacts.SECURITY)).toBe(true);
    expect(contacts.BILLING).toBeNull();
    expect(verdict([account!], "account_security_contact_registered", account!)).toBe("ERROR");
    expect(verdict([account!], "account_billing_contact_registered", account!)).toBe("FAIL");
  });

  it("records Macie enabled, and not enabled on ResourceNotFoundException (moto's answer cannot be parsed)", async () => {
    const on = stubContext({
      "macie2:GetMacieSession": () => ({
        // Macie's API (and so the SDK's answer) uses lowerCamel member names.
        status: "ENABLED",
        createdAt: new Date("2026-01-01T00:00:00Z"),
        findingPublishingFrequency: "FIFTEEN_MINUTES",
        serviceRole:
          "arn:aws:iam::111122223333:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie",
      }),
    });
    const [session] = await macieCollector.collect(on.ctx);
    expect(verdict([session!], "macie_enabled", session!)).toBe("PASS");
    const off = stubContext({
      "macie2:GetMacieSession": () => awsError("ResourceNotFoundException", "Macie is not enabled", 404),
    });
    const [none] = await macieCollector.collect(off.ctx);
    expect(none!.configuration.status).toBe("NOT_ENABLED");
    expect(verdict([none!], "macie_enabled", none!)).toBe("FAIL");
  });

  it("records a gap for a denied Config, Macie or Organizations listing", async () => {
    for (const [collector, key] of [
      [configCollector, "config:DescribeConfigurationRecorders"],
      [macieCollector, "macie2:GetMacieSession"],
      [organizationsCollector, "organizations:DescribeOrganization"],
    ] as const) {
      const { ctx, gaps } = stubContext({ [key]: denied });
      expect(await collector.collect(ctx)).toEqual([]);
      expect(gaps).toHaveLength(1);
    }
  });
});
