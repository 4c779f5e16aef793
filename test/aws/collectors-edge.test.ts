/**
 * The CloudFront, API Gateway REST and API Gateway v2 collectors against moto, seeded by scripts/seed-edge.ts in a
 * random account: each planted violation FAILs and its compliant twin PASSes. Then, over stubbed SDK clients, the
 * answers moto 5.2.1 does not give and AWS's documented shapes, and the AccessDenied paths (a denied detail call is
 * a `$error` marker and an ERROR verdict; a denied listing, or a denied per-API stage listing, a coverage gap).
 *
 * moto 5.2.1 gaps, covered by the stubbed tests instead:
 * - ListDistributions answers a bare summary (no origins, behaviors, certificate, web ACL): the collector reads
 *   the settings from GetDistributionConfig anyway, which moto fills;
 * - GetDistributionConfig drops S3OriginConfig and OriginAccessControlId, and keeps CloudFrontDefaultCertificate
 *   true next to an ACM certificate;
 * - GenerateClientCertificate is not implemented, UpdateStage ignores /clientCertificateId, and no stage carries a
 *   webAclArn (WAF association is not modelled for stages);
 * - an origin group cannot be the target of a cache behavior (NoSuchOrigin).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  EDGE_HARDENED_DISTRIBUTION,
  EDGE_HARDENED_REST_API,
  EDGE_LEGACY_DISTRIBUTION,
  EDGE_PLAIN_REST_API,
  EDGE_REGION,
  EDGE_STAGE,
  type EdgeSeed,
  seedEdge,
} from "../../scripts/seed-edge.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { apigatewayCollector } from "../../tools/aws/apigateway.ts";
import { apigatewayv2Collector } from "../../tools/aws/apigatewayv2.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { cloudfrontCollector } from "../../tools/aws/cloudfront.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const DIST = "AWS::CloudFront::Distribution";
const REST_API = "AWS::ApiGateway::RestApi";
const REST_STAGE = "AWS::ApiGateway::Stage";
const V2_API = "AWS::ApiGatewayV2::Api";
const V2_STAGE = "AWS::ApiGatewayV2::Stage";

/** CloudFront checks moto can exercise on both twins (see the header for the ones it cannot). */
const DISTRIBUTION_CHECKS = [
  "cloudfront_distribution_default_root_object",
  "cloudfront_distribution_https_only",
  "cloudfront_distribution_origin_failover",
  "cloudfront_distribution_logging_enabled",
  "cloudfront_distribution_waf_enabled",
  "cloudfront_distribution_custom_certificate",
  "cloudfront_distribution_custom_origin_https",
  "cloudfront_distribution_origin_no_sslv3",
  "cloudfront_distribution_origin_tls12",
];
/** Judged only for distributions with their own certificate: no verdict on the legacy one. */
const CUSTOM_CERTIFICATE_CHECKS = ["cloudfront_distribution_sni", "cloudfront_distribution_viewer_tls12"];
const REST_STAGE_CHECKS = [
  "apigateway_stage_execution_logging",
  "apigateway_stage_access_logging",
  "apigateway_stage_xray_tracing",
  "apigateway_stage_cache_encrypted",
];

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

const byId = (items: ConfigurationItem[], type: string, id: string) => {
  const found = items.filter((i) => i.resourceType === type && i.resourceId === id);
  expect(found, `${type} ${id}`).toHaveLength(1);
  return found[0]!;
};

it("covers every edge check of the catalog", () => {
  const edge = catalog
    .filter((c) => ["cloudfront", "apigateway", "apigatewayv2"].includes(c.check.service))
    .map((c) => c.check.id);
  expect(edge).toHaveLength(23);
  for (const id of [...DISTRIBUTION_CHECKS, ...CUSTOM_CERTIFICATE_CHECKS, ...REST_STAGE_CHECKS])
    expect(edge).toContain(id);
});

serviceDescribe("moto", "edge collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  let seeded: EdgeSeed;

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const set = new AwsClientSet(
      EDGE_REGION,
      () => ({ region: EDGE_REGION, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
      createClient,
      counter,
    );
    try {
      seeded = await seedEdge(accountId, () => set);
    } finally {
      set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: [EDGE_REGION],
      services: ["cloudfront", "apigateway", "apigatewayv2"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads every planted resource without a coverage gap", () => {
    expect(inventory.coverageGaps).toEqual([]);
    expect(ofType(items, DIST, "global")).toHaveLength(seeded.created["cloudfront:distribution"]!);
    expect(ofType(items, REST_API, EDGE_REGION)).toHaveLength(seeded.created["apigateway:rest-api"]!);
    expect(ofType(items, REST_STAGE, EDGE_REGION)).toHaveLength(seeded.created["apigateway:stage"]!);
    expect(ofType(items, V2_API, EDGE_REGION)).toHaveLength(seeded.created["apigatewayv2:api"]!);
    expect(ofType(items, V2_STAGE, EDGE_REGION)).toHaveLength(seeded.created["apigatewayv2:stage"]!);
  });

  it("records the distribution config of each distribution, once", () => {
    const hardened = byId(items, DIST, seeded.hardenedDistributionId);
    // AWS answers arn:aws:cloudfront::ACCOUNT:distribution/ID; moto 5.2.1 leaves out the empty region field.
    expect(hardened.arn).toMatch(
      new RegExp(`^arn:aws:cloudfront::?${accountId}:distribution/${seeded.hardenedDistributionId}$`),
    );
    expect(hardened.awsRegion).toBe("global");
    const config = hardened.supplementaryConfiguration.distributionConfig as Record<string, unknown>;
    expect(config).toMatchObject({
      comment: EDGE_HARDENED_DISTRIBUTION,
      defaultRootObject: "index.html",
      logging: { enabled: true, bucket: "edge-logs.s3.amazonaws.com", prefix: "cdn/" },
      viewerCertificate: { sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
    });
    expect(config.callerReference).toBeUndefined();
    // The settings live in the config only; the summary part keeps what identifies the distribution.
    expect(hardened.configuration.origins).toBeUndefined();
    expect(hardened.configuration.domainName).toMatch(/\.cloudfront\.net$/);
    const legacy = byId(items, DIST, seeded.legacyDistributionId);
    expect((legacy.supplementaryConfiguration.distributionConfig as Record<string, unknown>).comment).toBe(
      EDGE_LEGACY_DISTRIBUTION,
    );
  });

  it("FAILs the legacy distribution and PASSes its hardened twin", () => {
    const legacy = byId(items, DIST, seeded.legacyDistributionId);
    const hardened = byId(items, DIST, seeded.hardenedDistributionId);
    for (const id of DISTRIBUTION_CHECKS) {
      expect(verdict(items, id, legacy), `${id} on ${EDGE_LEGACY_DISTRIBUTION}`).toBe("FAIL");
      expect(verdict(items, id, hardened), `${id} on ${EDGE_HARDENED_DISTRIBUTION}`).toBe("PASS");
    }
    for (const id of CUSTOM_CERTIFICATE_CHECKS) {
      // Not judged (its `where` does not hold): no verdict at all.
      expect(verdict(items, id, legacy), `${id} on ${EDGE_LEGACY_DISTRIBUTION}`).toBeUndefined();
      expect(verdict(items, id, hardened), `${id} on ${EDGE_HARDENED_DISTRIBUTION}`).toBe("PASS");
    }
  });

  it("turns each REST API's stages into stage items and keeps the API's policy and endpoint types", () => {
    const hardened = byId(items, REST_API, seeded.hardenedRestApiId);
    expect(hardened.resourceName).toBe(EDGE_HARDENED_REST_API);
    expect(hardened.arn).toBe(`arn:aws:apigateway:${EDGE_REGION}::/restapis/${seeded.hardenedRestApiId}`);
    expect(hardened.configuration).toMatchObject({
      endpointTypes: ["REGIONAL"],
      policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "execute-api:Invoke" }] },
    });
    expect(hardened.supplementaryConfiguration).toMatchObject({
      stages: [EDGE_STAGE],
      authorizers: [{ name: "cognito", type: "COGNITO_USER_POOLS" }],
    });
    const stage = byId(items, REST_STAGE, `${seeded.hardenedRestApiId}/${EDGE_STAGE}`);
    expect(stage.resourceName).toBe(`${EDGE_HARDENED_REST_API}/${EDGE_STAGE}`);
    expect(stage.arn).toBe(`${hardened.arn}/stages/${EDGE_STAGE}`);
    expect(stage.configuration).toMatchObject({
      restApiId: seeded.hardenedRestApiId,
      endpointTypes: ["REGIONAL"],
      tracingEnabled: true,
      cacheClusterEnabled: true,
      methodSettings: { "*/*": { loggingLevel: "ERROR", cachingEnabled: true, cacheDataEncrypted: true } },
    });
  });

  it("FAILs the legacy REST API and its stage and PASSes the hardened twins", () => {
    const plainStage = byId(items, REST_STAGE, `${seeded.plainRestApiId}/${EDGE_STAGE}`);
    const hardenedStage = byId(items, REST_STAGE, `${seeded.hardenedRestApiId}/${EDGE_STAGE}`);
    expect(plainStage.resourceName).toBe(`${EDGE_PLAIN_REST_API}/${EDGE_STAGE}`);
    for (const id of REST_STAGE_CHECKS) {
      expect(verdict(items, id, plainStage), `${id} on the legacy stage`).toBe("FAIL");
      expect(verdict(items, id, hardenedStage), `${id} on the hardened stage`).toBe("PASS");
    }
    // moto cannot set these on a stage: both twins fail (the stubbed test shows the PASS).
    for (const id of ["apigateway_stage_client_certificate", "apigateway_stage_waf_enabled"])
      for (const stage of [plainStage, hardenedStage]) expect(verdict(items, id, stage), id).toBe("FAIL");
    for (const stage of [plainStage, hardenedStage])
      expect(verdict(items, "apigateway_stage_data_trace_disabled", stage)).toBe("PASS");
    const check = "apigateway_rest_api_authorizer_configured";
    expect(verdict(items, check, byId(items, REST_API, seeded.plainRestApiId))).toBe("FAIL");
    expect(verdict(items, check, byId(items, REST_API, seeded.hardenedRestApiId))).toBe("PASS");
  });

  it("FAILs the open HTTP and WebSocket APIs and their stages and PASSes the twins", () => {
    const routes = "apigatewayv2_api_routes_authorized";
    const accessLog = "apigatewayv2_stage_access_logging";
    const executionLog = "apigatewayv2_stage_execution_logging";
    const stageOf = (apiId: string) => byId(items, V2_STAGE, `${apiId}/${EDGE_STAGE}`);
    for (const [plain, hardened] of [
      [seeded.plainHttpApiId, seeded.hardenedHttpApiId],
      [seeded.plainWsApiId, seeded.hardenedWsApiId],
    ] as const) {
      expect(verdict(items, routes, byId(items, V2_API, plain))).toBe("FAIL");
      expect(verdict(items, routes, byId(items, V2_API, hardened))).toBe("PASS");
      expect(verdict(items, accessLog, stageOf(plain))).toBe("FAIL");
      expect(verdict(items, accessLog, stageOf(hardened))).toBe("PASS");
    }
    expect(verdict(items, executionLog, stageOf(seeded.plainWsApiId))).toBe("FAIL");
    expect(verdict(items, executionLog, stageOf(seeded.hardenedWsApiId))).toBe("PASS");
    expect(verdict(items, executionLog, stageOf(seeded.hardenedHttpApiId))).toBeUndefined();
    const wsStage = stageOf(seeded.hardenedWsApiId);
    expect(wsStage.configuration).toMatchObject({
      apiId: seeded.hardenedWsApiId,
      protocolType: "WEBSOCKET",
      defaultRouteSettings: { loggingLevel: "ERROR" },
    });
    expect(byId(items, V2_API, seeded.hardenedWsApiId).supplementaryConfiguration.routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ routeKey: "$connect", authorizationType: "AWS_IAM" }),
        // A route created without an authorization type reads as NONE.
        expect.objectContaining({ routeKey: "sendMessage", authorizationType: "NONE" }),
      ]),
    );
  });
});

describe("CloudFront collector over stubbed answers", () => {
  const denied = () => awsError("AccessDenied", "not authorized", 403);
  /** A distribution summary as the CloudFront API documents ListDistributions' answer. */
  const summary = (id: string) => ({
    Id: id,
    ARN: `arn:aws:cloudfront::111122223333:distribution/${id}`,
    ETag: "E2QWRUHEXAMPLE",
    Status: "Deployed",
    LastModifiedTime: new Date("2026-01-01T00:00:00Z"),
    DomainName: `${id.toLowerCase()}.cloudfront.net`,
    Aliases: { Quantity: 1, Items: [`${id.toLowerCase()}.example.com`] },
    Origins: { Quantity: 0, Items: [] },
    DefaultCacheBehavior: { TargetOriginId: "x", ViewerProtocolPolicy: "allow-all" },
    CacheBehaviors: { Quantity: 0 },
    CustomErrorResponses: { Quantity: 0 },
    Comment: id,
    PriceClass: "PriceClass_All",
    Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: true },
    Restrictions: { GeoRestriction: { RestrictionType: "none", Quantity: 0 } },
    WebACLId: "",
    HttpVersion: "http2",
    IsIPV6Enabled: true,
    Staging: false,
  });
  /** The config GetDistributionConfig documents, with an S3 origin and a custom origin carrying a secret header. */
  const config = (oac: string) => ({
    ETag: "E2QWRUHEXAMPLE",
    DistributionConfig: {
      CallerReference: "ref-1",
      Aliases: { Quantity: 0 },
      DefaultRootObject: "",
      Origins: {
        Quantity: 2,
        Items: [
          {
            Id: "assets",
            DomainName: "assets.s3.us-east-1.amazonaws.com",
            OriginPath: "",
            CustomHeaders: { Quantity: 0 },
            S3OriginConfig: { OriginAccessIdentity: "" },
            OriginAccessControlId: oac,
          },
          {
            Id: "web",
            DomainName: "web.example.com",
            CustomHeaders: {
              Quantity: 1,
              Items: [{ HeaderName: "X-Origin-Verify", HeaderValue: "s3cr3t-value" }],
            },
            CustomOriginConfig: {
              HTTPPort: 80,
              HTTPSPort: 443,
              OriginProtocolPolicy: "https-only",
              OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] },
            },
          },
        ],
      },
      DefaultCacheBehavior: { TargetOriginId: "assets", ViewerProtocolPolicy: "redirect-to-https" },
      CacheBehaviors: { Quantity: 0 },
      Comment: "",
      Logging: { Enabled: false, IncludeCookies: false, Bucket: "", Prefix: "" },
      Enabled: true,
      ViewerCertificate: {
        CloudFrontDefaultCertificate: false,
        ACMCertificateArn:
          "arn:aws:acm:us-east-1:111122223333:certificate/0f6c3e2a-1b2c-4d5e-8f90-123456789abc",
        SSLSupportMethod: "vip",
        MinimumProtocolVersion: "TLSv1.1_2016",
        CertificateSource: "acm",
      },
      WebACLId: "",
    },
  });

  it("follows Marker/NextMarker, keeps the documented config and redacts origin header values", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "cloudfront:ListDistributions": (input) =>
          input.Marker === "page-2"
            ? { DistributionList: { Quantity: 1, IsTruncated: false, Items: [summary("E2")] } }
            : {
                DistributionList: {
                  Quantity: 1,
                  IsTruncated: true,
                  NextMarker: "page-2",
                  Items: [summary("E1")],
                },
              },
        "cloudfront:GetDistributionConfig": (input) => config(input.Id === "E1" ? "E2QWRUHAPOMQZL" : ""),
      },
      { calls },
    );
    const items = await cloudfrontCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "cloudfront:ListDistributions")).toHaveLength(2);
    expect(calls.filter((c) => c === "cloudfront:GetDistributionConfig")).toHaveLength(2);
    const [e1, e2] = ["E1", "E2"].map((id) => byId(items, DIST, id));
    expect(e1!.resourceName).toBe("e1.example.com");
    expect(e1!.awsRegion).toBe("global");
    expect(e1!.configuration).toEqual({
      id: "E1",
      arn: "arn:aws:cloudfront::111122223333:distribution/E1",
      domainName: "e1.cloudfront.net",
      status: "Deployed",
      lastModifiedTime: "2026-01-01T00:00:00.000Z",
      enabled: true,
      comment: "E1",
      aliases: ["e1.example.com"],
      staging: false,
    });
    const origins = (e1!.supplementaryConfiguration.distributionConfig as { origins: { items: unknown[] } })
      .origins.items;
    expect(origins[0]).toMatchObject({
      s3OriginConfig: { originAccessIdentity: "" },
      originAccessControlId: "E2QWRUHAPOMQZL",
    });
    expect(origins[1]).toMatchObject({
      customHeaders: { quantity: 1, items: [{ headerName: "X-Origin-Verify", headerValue: "(redacted)" }] },
      customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only" },
    });
    expect(JSON.stringify(items)).not.toContain("s3cr3t-value");
    const oac = "cloudfront_distribution_s3_origin_access_control";
    expect(verdict(items, oac, e1!)).toBe("PASS");
    expect(verdict(items, oac, e2!)).toBe("FAIL");
    expect(verdict(items, "cloudfront_distribution_custom_certificate", e1!)).toBe("PASS");
    expect(verdict(items, "cloudfront_distribution_sni", e1!)).toBe("FAIL");
    expect(verdict(items, "cloudfront_distribution_viewer_tls12", e1!)).toBe("FAIL");
    expect(verdict(items, "cloudfront_distribution_default_root_object", e1!)).toBe("FAIL");
  });

  it("turns a denied GetDistributionConfig into a $error marker and ERROR verdicts", async () => {
    const { ctx, gaps } = stubContext({
      "cloudfront:ListDistributions": () => ({ DistributionList: { Quantity: 1, Items: [summary("E1")] } }),
      "cloudfront:GetDistributionConfig": denied,
    });
    const items = await cloudfrontCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const [d] = items;
    expect(isCallError(d!.supplementaryConfiguration.distributionConfig)).toBe(true);
    for (const id of [...DISTRIBUTION_CHECKS, "cloudfront_distribution_s3_origin_access_control"])
      expect(verdict(items, id, d!), id).toBe("ERROR");
  });

  it("records a coverage gap for a denied listing", async () => {
    const { ctx, gaps } = stubContext({ "cloudfront:ListDistributions": denied });
    expect(await cloudfrontCollector.collect(ctx)).toEqual([]);
    expect(gaps.map((g) => g.what)).toEqual(["ListDistributions"]);
  });
});

describe("API Gateway collectors over stubbed answers", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized to perform apigateway:GET", 403);
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" },
    ],
  };
  /** A REST API as GetRestApis documents it; the policy comes back with its quotes backslash-escaped. */
  const restApi = (id: string, types: string[]) => ({
    id,
    name: `api-${id}`,
    createdDate: new Date("2026-01-01T00:00:00Z"),
    apiKeySource: "HEADER",
    endpointConfiguration: { types },
    policy: JSON.stringify(policy).replace(/"/g, '\\"'),
    tags: { Owner: "payments" },
    disableExecuteApiEndpoint: false,
    rootResourceId: "root1",
  });

  it("follows position paging and turns stages into items with what moto cannot set", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "apigateway:GetRestApis": (input) =>
          input.position === "p2"
            ? { items: [restApi("b2", ["PRIVATE"])] }
            : { items: [restApi("a1", ["REGIONAL"])], position: "p2" },
        "apigateway:GetStages": (input) => ({
          item:
            input.restApiId === "a1"
              ? [
                  {
                    stageName: "prod",
                    deploymentId: "d1",
                    clientCertificateId: "cert1",
                    webAclArn: "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/api/abc",
                    tracingEnabled: true,
                    cacheClusterEnabled: false,
                    methodSettings: {
                      "*/*": { loggingLevel: "INFO", dataTraceEnabled: false },
                      "Orders/GET": { loggingLevel: "ERROR", dataTraceEnabled: true },
                    },
                    variables: { lambdaAlias: "prod", apiToken: "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA" },
                    tags: { Owner: "payments" },
                  },
                ]
              : [],
        }),
        "apigateway:GetAuthorizers": () => ({ items: [{ id: "au1", name: "lambda", type: "REQUEST" }] }),
      },
      { calls },
    );
    const items = await apigatewayCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "apigateway:GetRestApis")).toHaveLength(2);
    const api = byId(items, REST_API, "a1");
    expect(api.tags).toEqual({ Owner: "payments" });
    expect(api.configuration.policy).toEqual(policy);
    expect(api.supplementaryConfiguration).toEqual({
      stages: ["prod"],
      authorizers: [{ id: "au1", name: "lambda", type: "REQUEST", identitySource: null }],
    });
    const stage = byId(items, REST_STAGE, "a1/prod");
    expect(stage.arn).toBe("arn:aws:apigateway:us-east-1::/restapis/a1/stages/prod");
    expect(stage.tags).toEqual({ Owner: "payments" });
    // Method setting keys are data (resource path and verb): kept as AWS wrote them.
    expect(Object.keys(stage.configuration.methodSettings as object)).toEqual(["*/*", "Orders/GET"]);
    // Stage variables keep their names; literal values are redacted as Lambda environment values are.
    expect(Object.keys(stage.configuration.variables as object)).toEqual(["lambdaAlias", "apiToken"]);
    expect(JSON.stringify(items)).not.toContain("Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA");
    expect(verdict(items, "apigateway_stage_client_certificate", stage)).toBe("PASS");
    expect(verdict(items, "apigateway_stage_waf_enabled", stage)).toBe("PASS");
    expect(verdict(items, "apigateway_stage_execution_logging", stage)).toBe("PASS");
    expect(verdict(items, "apigateway_stage_data_trace_disabled", stage)).toBe("FAIL");
    expect(verdict(items, "apigateway_stage_cache_encrypted", stage)).toBeUndefined();
    expect(verdict(items, "apigateway_rest_api_authorizer_configured", api)).toBe("PASS");
    // A private API is not judged.
    expect(
      verdict(items, "apigateway_rest_api_authorizer_configured", byId(items, REST_API, "b2")),
    ).toBeUndefined();
  });

  it("records a denied stage listing as a gap and an error marker, a denied authorizer listing as ERROR", async () => {
    const { ctx, gaps } = stubContext({
      "apigateway:GetRestApis": () => ({ items: [restApi("a1", ["EDGE"])] }),
      "apigateway:GetStages": denied,
      "apigateway:GetAuthorizers": denied,
    });
    const items = await apigatewayCollector.collect(ctx);
    expect(items.map((i) => i.resourceType)).toEqual([REST_API]);
    const [api] = items;
    expect(isCallError(api!.supplementaryConfiguration.stages)).toBe(true);
    expect(gaps.map((g) => g.what)).toEqual(["GetStages(a1)"]);
    expect(verdict(items, "apigateway_rest_api_authorizer_configured", api!)).toBe("ERROR");
  });

  it("records a coverage gap for denied REST and v2 listings", async () => {
    const { ctx, gaps } = stubContext({ "apigateway:GetRestApis": denied, "apigatewayv2:GetApis": denied });
    expect(await apigatewayCollector.collect(ctx)).toEqual([]);
    expect(await apigatewayv2Collector.collect(ctx)).toEqual([]);
    expect(gaps.map((g) => g.what)).toEqual(["GET", "GET"]);
  });

  it("pages v2 APIs, stages and routes, and judges denied routes as ERROR", async () => {
    const calls: string[] = [];
    const api = (id: string, ProtocolType: string) => ({
      ApiId: id,
      Name: `api-${id}`,
      ProtocolType,
      ApiEndpoint: `https://${id}.execute-api.us-east-1.amazonaws.com`,
      RouteSelectionExpression: "$request.method $request.path",
      Tags: { Owner: "web" },
    });
    const { ctx, gaps } = stubContext(
      {
        "apigatewayv2:GetApis": (input) =>
          input.NextToken ? { Items: [api("h2", "HTTP")] } : { Items: [api("h1", "HTTP")], NextToken: "t2" },
        "apigatewayv2:GetStages": (input) =>
          input.NextToken
            ? { Items: [{ StageName: "dev", RouteSettings: { "GET /Orders": { LoggingLevel: "OFF" } } }] }
            : {
                Items: [
                  {
                    StageName: "$default",
                    AutoDeploy: true,
                    AccessLogSettings: {
                      DestinationArn: "arn:aws:logs:us-east-1:111122223333:log-group:web",
                    },
                    DefaultRouteSettings: { DetailedMetricsEnabled: false },
                    StageVariables: { region: "us-east-1" },
                  },
                ],
                NextToken: "s2",
              },
        "apigatewayv2:GetRoutes": (input) =>
          input.ApiId === "h2"
            ? denied()
            : input.NextToken
              ? { Items: [{ RouteId: "r2", RouteKey: "GET /health" }] }
              : {
                  Items: [
                    { RouteId: "r1", RouteKey: "POST /orders", AuthorizationType: "JWT", AuthorizerId: "a1" },
                  ],
                  NextToken: "n2",
                },
      },
      { calls },
    );
    const items = await apigatewayv2Collector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "apigatewayv2:GetApis")).toHaveLength(2);
    const h1 = byId(items, V2_API, "h1");
    expect(h1.arn).toBe("arn:aws:apigateway:us-east-1::/apis/h1");
    expect(h1.tags).toEqual({ Owner: "web" });
    expect(h1.supplementaryConfiguration.routes).toEqual([
      expect.objectContaining({ routeId: "r1", authorizationType: "JWT", authorizerId: "a1" }),
      expect.objectContaining({ routeId: "r2", authorizationType: "NONE" }),
    ]);
    expect(h1.supplementaryConfiguration.stages).toEqual(["$default", "dev"]);
    const routes = "apigatewayv2_api_routes_authorized";
    expect(verdict(items, routes, h1)).toBe("FAIL");
    const h2 = byId(items, V2_API, "h2");
    expect(isCallError(h2.supplementaryConfiguration.routes)).toBe(true);
    expect(verdict(items, routes, h2)).toBe("ERROR");
    const dev = byId(items, V2_STAGE, "h1/dev");
    expect(dev.configuration.routeSettings).toEqual({ "GET /Orders": { loggingLevel: "OFF" } });
    expect(verdict(items, "apigatewayv2_stage_access_logging", dev)).toBe("FAIL");
    expect(verdict(items, "apigatewayv2_stage_access_logging", byId(items, V2_STAGE, "h1/$default"))).toBe(
      "PASS",
    );
  });
});
