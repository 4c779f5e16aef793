/**
 * IAM server certificates, SAML and OIDC identity providers (tools/aws/iam-providers.ts, run by the iam
 * collector) and IAM Access Analyzer (tools/aws/accessanalyzer.ts).
 *
 * Against moto, seeded by scripts/seed-iam-providers.ts in a random account: the providers arrive with what the
 * checks read, the OIDC provider without an audience FAILs and its scoped twin PASSes. moto keeps fixed dates of
 * its own for server certificates and SAML metadata (see the seed script), so the date verdicts are checked over
 * stubbed SDK clients with answers in the documented IAM API shape. moto implements no Access Analyzer call (it
 * answers an HTTP 500 page): a scan of it must be a coverage gap, never a "not enabled" FAIL; the collector
 * itself is tested over stubs answering in the documented Access Analyzer API shape (lowerCamel members).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  EXPIRED_CERTIFICATE,
  OIDC_NO_AUDIENCE,
  OIDC_SCOPED,
  SAML_PROVIDER,
  seedIamProviders,
  VALID_CERTIFICATE,
} from "../../scripts/seed-iam-providers.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { accessanalyzerCollector } from "../../tools/aws/accessanalyzer.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { errorCode } from "../../tools/aws/collector.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { iamCollector } from "../../tools/aws/iam.ts";
import { iamProvidersCollector } from "../../tools/aws/iam-providers.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, byName, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

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

const denied = () => awsError("AccessDenied", "not authorized", 403);
const CERT = "AWS::IAM::ServerCertificate";
const SAML = "AWS::IAM::SAMLProvider";
const OIDC = "AWS::IAM::OIDCProvider";
const ANALYZER = "AWS::AccessAnalyzer::Analyzer";

serviceDescribe("moto", "IAM providers and Access Analyzer against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];

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
      await seedIamProviders(clients);
    } finally {
      for (const set of sets.values()) set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: ["us-east-1"],
      services: ["iam", "accessanalyzer"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("records Access Analyzer as a coverage gap (moto lacks it), with no analyzer item to FAIL", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps).toEqual([
      expect.objectContaining({
        service: "accessanalyzer",
        region: "us-east-1",
        code: "HTTP500",
        error: expect.stringMatching(/^ListAnalyzers: HTTP 500 .*not an AWS API answer/),
      }),
    ]);
    expect(ofType(items, ANALYZER)).toEqual([]);
  });

  it("records the server certificates as global items with path, upload date and expiry", () => {
    // Two items, though moto answers the same ServerCertificateId for both (the name is the item id).
    expect(
      ofType(items, CERT)
        .map((c) => c.resourceId)
        .sort(),
    ).toEqual([EXPIRED_CERTIFICATE, VALID_CERTIFICATE].sort());
    const valid = byName(items, CERT, VALID_CERTIFICATE, "global");
    expect(valid.configuration).toMatchObject({
      serverCertificateName: VALID_CERTIFICATE,
      path: "/cloudfront/",
      arn: `arn:aws:iam::${accountId}:server-certificate/cloudfront/${VALID_CERTIFICATE}`,
    });
    const expired = byName(items, CERT, EXPIRED_CERTIFICATE, "global");
    expect(expired.configuration.path).toBe("/");
    for (const cert of [valid, expired]) {
      const expiration = cert.configuration.expiration as string;
      expect(new Date(expiration).toISOString()).toBe(expiration);
      expect(new Date(cert.configuration.uploadDate as string).getTime()).toBeLessThan(
        new Date(expiration).getTime(),
      );
      // moto answers a fixed expiry (2012) whatever the body says: the verdict follows the recorded date.
      const expected = new Date(expiration).getTime() >= NOW.getTime() ? "PASS" : "FAIL";
      expect(verdict(items, "iam_server_certificate_not_expired", cert)).toBe(expected);
    }
  });

  it("records the SAML provider with its metadata validity", () => {
    const saml = byName(items, SAML, SAML_PROVIDER, "global");
    expect(saml.configuration).toMatchObject({
      name: SAML_PROVIDER,
      arn: `arn:aws:iam::${accountId}:saml-provider/${SAML_PROVIDER}`,
    });
    expect(typeof saml.configuration.validUntil).toBe("string");
    expect(verdict(items, "iam_saml_provider_metadata_valid_until_future", saml)).toMatch(/^(PASS|FAIL)$/);
  });

  it("FAILs the OIDC provider without an audience and PASSes its scoped twin", () => {
    const scoped = byName(items, OIDC, OIDC_SCOPED, "global");
    expect(scoped.supplementaryConfiguration.provider).toMatchObject({
      url: OIDC_SCOPED,
      clientIdList: ["sts.amazonaws.com"],
      thumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1"],
    });
    expect(verdict(items, "iam_oidc_provider_client_ids_configured", scoped)).toBe("PASS");
    const open = byName(items, OIDC, OIDC_NO_AUDIENCE, "global");
    expect(open.supplementaryConfiguration.provider).toMatchObject({ clientIdList: [] });
    expect(verdict(items, "iam_oidc_provider_client_ids_configured", open)).toBe("FAIL");
  });
});

describe("IAM providers over stubbed answers (dates moto does not keep)", () => {
  const certificate = (name: string, expiration: string, path = "/") => ({
    Path: path,
    ServerCertificateName: name,
    ServerCertificateId: `ASCA${name.toUpperCase().replace(/[^A-Z]/g, "")}`,
    Arn: `arn:aws:iam::111122223333:server-certificate${path}${name}`,
    UploadDate: new Date("2025-01-01T00:00:00Z"),
    Expiration: new Date(expiration),
  });
  const answers = (overrides: Record<string, (input: Record<string, unknown>) => object | Error> = {}) => ({
    // Two pages, as IAM pages with Marker / IsTruncated.
    "iam:ListServerCertificates": (input: Record<string, unknown>) =>
      input.Marker
        ? { ServerCertificateMetadataList: [certificate("old", "2026-03-01T00:00:00Z")], IsTruncated: false }
        : {
            ServerCertificateMetadataList: [
              certificate("current", "2027-05-01T00:00:00Z", "/cloudfront/"),
              certificate("soon", "2026-05-20T00:00:00Z"),
            ],
            IsTruncated: true,
            Marker: "page-2",
          },
    "iam:ListSAMLProviders": () => ({
      SAMLProviderList: [
        {
          Arn: "arn:aws:iam::111122223333:saml-provider/okta",
          ValidUntil: new Date("2030-01-01T00:00:00Z"),
          CreateDate: new Date("2025-01-01T00:00:00Z"),
        },
        {
          Arn: "arn:aws:iam::111122223333:saml-provider/old-adfs",
          ValidUntil: new Date("2026-04-01T00:00:00Z"),
          CreateDate: new Date("2020-01-01T00:00:00Z"),
        },
      ],
    }),
    "iam:ListOpenIDConnectProviders": () => ({
      OpenIDConnectProviderList: [
        { Arn: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
        { Arn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" },
      ],
    }),
    "iam:GetOpenIDConnectProvider": (input: Record<string, unknown>) =>
      String(input.OpenIDConnectProviderArn).includes("github")
        ? {
            Url: "token.actions.githubusercontent.com",
            ClientIDList: ["sts.amazonaws.com"],
            ThumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1"],
            CreateDate: new Date("2025-02-01T00:00:00Z"),
            Tags: [{ Key: "team", Value: "ci" }],
          }
        : { Url: "oidc.eks.us-east-1.amazonaws.com/id/ABC", ClientIDList: ["*"], ThumbprintList: [] },
    ...overrides,
  });

  it("reads every page of server certificates and judges expiry and the warning window", async () => {
    const { ctx, gaps } = stubContext(answers());
    const items = await iamProvidersCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const certs = ofType(items, CERT, "global");
    expect(certs.map((c) => c.resourceName).sort()).toEqual(["current", "old", "soon"]);
    const cert = (name: string) => byName(items, CERT, name);
    expect(cert("current").configuration).toEqual({
      serverCertificateName: "current",
      serverCertificateId: "ASCACURRENT",
      arn: "arn:aws:iam::111122223333:server-certificate/cloudfront/current",
      path: "/cloudfront/",
      uploadDate: "2025-01-01T00:00:00.000Z",
      expiration: "2027-05-01T00:00:00.000Z",
    });
    const v = (id: string, name: string) => verdict(items, id, cert(name));
    expect(v("iam_server_certificate_not_expired", "current")).toBe("PASS");
    expect(v("iam_server_certificate_not_expired", "soon")).toBe("PASS");
    expect(v("iam_server_certificate_not_expired", "old")).toBe("FAIL");
    expect(v("iam_server_certificate_expires_after_30_days", "current")).toBe("PASS");
    expect(v("iam_server_certificate_expires_after_30_days", "soon")).toBe("FAIL");
    expect(v("iam_server_certificate_expires_after_30_days", "old")).toBe("FAIL");
  });

  it("judges SAML metadata validity and OIDC audiences", async () => {
    const { ctx } = stubContext(answers());
    const items = await iamProvidersCollector.collect(ctx);
    const okta = byName(items, SAML, "okta");
    const adfs = byName(items, SAML, "old-adfs");
    expect(verdict(items, "iam_saml_provider_metadata_valid_until_future", okta)).toBe("PASS");
    expect(verdict(items, "iam_saml_provider_metadata_valid_until_future", adfs)).toBe("FAIL");
    expect(verdict(items, "iam_saml_provider_metadata_expires_after_30_days", okta)).toBe("PASS");
    const github = byName(items, OIDC, "token.actions.githubusercontent.com");
    expect(github.supplementaryConfiguration.provider).toMatchObject({
      clientIdList: ["sts.amazonaws.com"],
      tags: { team: "ci" },
    });
    expect(verdict(items, "iam_oidc_provider_client_ids_configured", github)).toBe("PASS");
    const eks = byName(items, OIDC, "oidc.eks.us-east-1.amazonaws.com/id/ABC");
    expect(verdict(items, "iam_oidc_provider_client_ids_configured", eks)).toBe("FAIL");
  });

  it("keeps a denied GetOpenIDConnectProvider as $error (ERROR) and a denied listing as a gap", async () => {
    const { ctx, gaps } = stubContext(
      answers({ "iam:GetOpenIDConnectProvider": denied, "iam:ListSAMLProviders": denied }),
    );
    const items = await iamProvidersCollector.collect(ctx);
    expect(gaps.map((g) => [g.what, errorCode(g.error)])).toEqual([["ListSAMLProviders", "AccessDenied"]]);
    expect(ofType(items, SAML)).toEqual([]);
    expect(ofType(items, CERT)).toHaveLength(3);
    for (const oidc of ofType(items, OIDC)) {
      expect(isCallError(oidc.supplementaryConfiguration.provider)).toBe(true);
      expect(verdict(items, "iam_oidc_provider_client_ids_configured", oidc)).toBe("ERROR");
    }
  });

  it("is part of the iam collector: its actions and resource types", () => {
    for (const action of [
      "iam:ListServerCertificates",
      "iam:ListSAMLProviders",
      "iam:ListOpenIDConnectProviders",
      "iam:GetOpenIDConnectProvider",
    ])
      expect(iamCollector.actions).toContain(action);
    expect(iamCollector.spec.resources.map((r) => r.resourceType)).toEqual([CERT, SAML, OIDC]);
  });
});

describe("Access Analyzer over stubbed answers (moto does not implement it)", () => {
  const analyzer = (name: string, type: string, status = "ACTIVE") => ({
    arn: `arn:aws:access-analyzer:us-east-1:111122223333:analyzer/${name}`,
    name,
    type,
    status,
    createdAt: new Date("2025-06-01T00:00:00Z"),
    lastResourceAnalyzedAt: new Date("2026-05-01T00:00:00Z"),
    tags: { owner: "security" },
  });
  const finding = (id: string, resourceType: string, resource: string, isPublic: boolean) => ({
    id,
    resourceType,
    resource,
    resourceOwnerAccount: "111122223333",
    isPublic,
    principal: isPublic ? { AWS: "*" } : { AWS: "444455556666" },
    action: ["s3:GetObject"],
    condition: {},
    status: "ACTIVE",
    createdAt: new Date("2026-04-01T00:00:00Z"),
    analyzedAt: new Date("2026-04-01T00:00:00Z"),
    updatedAt: new Date("2026-04-01T00:00:00Z"),
  });

  it("records an active analyzer with every page of its ACTIVE findings", async () => {
    const inputs: Record<string, unknown>[] = [];
    const { ctx, gaps } = stubContext({
      "accessanalyzer:ListAnalyzers": () => ({ analyzers: [analyzer("account-analyzer", "ACCOUNT")] }),
      "accessanalyzer:ListFindings": (input) => {
        inputs.push(input);
        return input.nextToken
          ? { findings: [finding("f-2", "AWS::S3::Bucket", "arn:aws:s3:::public-site", true)] }
          : {
              findings: [finding("f-1", "AWS::KMS::Key", "arn:aws:kms:us-east-1:111122223333:key/k", false)],
              nextToken: "page-2",
            };
      },
    });
    const items = await accessanalyzerCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item).toMatchObject({
      resourceType: ANALYZER,
      awsRegion: "us-east-1",
      resourceName: "account-analyzer",
      tags: { owner: "security" },
    });
    expect(item.configuration).toMatchObject({ analyzerExists: true, type: "ACCOUNT", status: "ACTIVE" });
    expect(inputs[0]).toMatchObject({
      analyzerArn: "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/account-analyzer",
      filter: { status: { eq: ["ACTIVE"] } },
    });
    const findings = item.supplementaryConfiguration.activeFindings as Array<Record<string, unknown>>;
    expect(findings.map((f) => [f.id, f.resourceType, f.isPublic])).toEqual([
      ["f-1", "AWS::KMS::Key", false],
      ["f-2", "AWS::S3::Bucket", true],
    ]);
    expect(verdict(items, "accessanalyzer_enabled", item)).toBe("PASS");
    expect(verdict(items, "accessanalyzer_no_active_findings", item)).toBe("FAIL");
    expect(verdict(items, "accessanalyzer_no_active_public_findings", item)).toBe("FAIL");
  });

  it("PASSes the findings checks for an analyzer with nothing active", async () => {
    const { ctx } = stubContext({
      "accessanalyzer:ListAnalyzers": () => ({ analyzers: [analyzer("org", "ORGANIZATION")] }),
      "accessanalyzer:ListFindings": () => ({ findings: [] }),
    });
    const [item] = await accessanalyzerCollector.collect(ctx);
    expect(verdict([item!], "accessanalyzer_no_active_findings", item!)).toBe("PASS");
    expect(verdict([item!], "accessanalyzer_no_active_public_findings", item!)).toBe("PASS");
  });

  it("records a region without an analyzer as a 'not enabled' item that FAILs", async () => {
    const { ctx, gaps } = stubContext({ "accessanalyzer:ListAnalyzers": () => ({ analyzers: [] }) });
    const items = await accessanalyzerCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(items).toHaveLength(1);
    const none = items[0]!;
    expect(none.resourceId).toBe("111122223333:us-east-1:none");
    expect(none.configuration).toMatchObject({ analyzerExists: false, status: "NOT_ENABLED", type: null });
    expect(verdict(items, "accessanalyzer_enabled", none)).toBe("FAIL");
    // The findings checks leave a region without an analyzer to accessanalyzer_enabled.
    expect(verdict(items, "accessanalyzer_no_active_findings", none)).toBeUndefined();
  });

  it("does not count an unused-access analyzer as enabling external access analysis", async () => {
    const calls: string[] = [];
    const { ctx } = stubContext(
      {
        "accessanalyzer:ListAnalyzers": () => ({ analyzers: [analyzer("unused", "ACCOUNT_UNUSED_ACCESS")] }),
      },
      { calls },
    );
    const items = await accessanalyzerCollector.collect(ctx);
    // No ListFindings for it (v1 findings are external access only): the stub would have failed the call.
    expect(calls).toEqual(["accessanalyzer:ListAnalyzers"]);
    const unused = byName(items, ANALYZER, "unused");
    expect(unused.supplementaryConfiguration.activeFindings).toBeNull();
    expect(verdict(items, "accessanalyzer_enabled", unused)).toBeUndefined();
    const none = items.find((i) => i.configuration.analyzerExists === false)!;
    expect(verdict(items, "accessanalyzer_enabled", none)).toBe("FAIL");
  });

  it("FAILs an analyzer that is not ACTIVE", async () => {
    const { ctx } = stubContext({
      "accessanalyzer:ListAnalyzers": () => ({
        analyzers: [
          {
            ...analyzer("org", "ORGANIZATION", "FAILED"),
            statusReason: { code: "AWS_SERVICE_ACCESS_DISABLED" },
          },
        ],
      }),
      "accessanalyzer:ListFindings": () => ({ findings: [] }),
    });
    const items = await accessanalyzerCollector.collect(ctx);
    expect(items).toHaveLength(1);
    expect(items[0]!.configuration.statusReason).toBe("AWS_SERVICE_ACCESS_DISABLED");
    expect(verdict(items, "accessanalyzer_enabled", items[0]!)).toBe("FAIL");
  });

  it("turns a denied ListFindings into $error and ERROR verdicts, a denied ListAnalyzers into a gap", async () => {
    const some = stubContext({
      "accessanalyzer:ListAnalyzers": () => ({ analyzers: [analyzer("account-analyzer", "ACCOUNT")] }),
      "accessanalyzer:ListFindings": () => awsError("AccessDeniedException", "not authorized", 403),
    });
    const [item] = await accessanalyzerCollector.collect(some.ctx);
    expect(some.gaps).toEqual([]);
    expect(isCallError(item!.supplementaryConfiguration.activeFindings)).toBe(true);
    expect(verdict([item!], "accessanalyzer_enabled", item!)).toBe("PASS");
    expect(verdict([item!], "accessanalyzer_no_active_findings", item!)).toBe("ERROR");
    expect(verdict([item!], "accessanalyzer_no_active_public_findings", item!)).toBe("ERROR");

    const none = stubContext({
      "accessanalyzer:ListAnalyzers": () => awsError("AccessDeniedException", "not authorized", 403),
    });
    // A denied listing is unknown, not "not enabled": no synthetic item.
    expect(await accessanalyzerCollector.collect(none.ctx)).toEqual([]);
    expect(none.gaps.map((g) => [g.what, errorCode(g.error)])).toEqual([
      ["ListAnalyzers", "AccessDeniedException"],
    ]);
  });
});
