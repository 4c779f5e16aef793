/**
 * Demo seeding for the edge services (CloudFront is global, API Gateway in us-east-1): a legacy distribution (viewer
 * HTTP allowed, the default *.cloudfront.net certificate, an S3 origin without origin access control, an HTTP-only
 * custom origin that still offers SSLv3, no logging, no web ACL, no default root object, no failover) and its
 * hardened twin (HTTPS only with an ACM certificate over SNI and TLSv1.2_2021, origin access control, an HTTPS-only
 * custom origin on TLSv1.2, an origin group for failover, standard logging, a web ACL, index.html as root object);
 * a REST API stage with nothing turned on and its twin (execution and access logging, X-Ray, a client certificate,
 * an encrypted cache); an HTTP API with an unauthorized route and no access log, and its twin with a JWT authorizer
 * on every route and an access log; a WebSocket API stage without and with execution logging.
 *
 * moto 5.2.1 gaps, as seen by the collector tests: see test/aws/collectors-edge.test.ts. Re-running the seeder
 * against the same account reuses what the names (distribution comments, API names) identify.
 */
import {
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateAuthorizerCommand as CreateRestAuthorizerCommand,
  CreateStageCommand,
  GenerateClientCertificateCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStagesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import {
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateRouteCommand,
  CreateStageCommand as CreateV2StageCommand,
  GetApisCommand,
} from "@aws-sdk/client-apigatewayv2";
import {
  CreateDistributionCommand,
  type DistributionConfig,
  ListDistributionsCommand,
} from "@aws-sdk/client-cloudfront";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const EDGE_REGION = "us-east-1";
/** Distribution comments (CloudFront has no names) and API names of the planted resources. */
export const EDGE_LEGACY_DISTRIBUTION = "legacy-assets-cdn";
export const EDGE_HARDENED_DISTRIBUTION = "app-assets-cdn";
export const EDGE_PLAIN_REST_API = "legacy-orders-api";
export const EDGE_HARDENED_REST_API = "orders-api";
export const EDGE_PLAIN_HTTP_API = "legacy-webhooks-http";
export const EDGE_HARDENED_HTTP_API = "webhooks-http";
export const EDGE_PLAIN_WS_API = "legacy-chat-ws";
export const EDGE_HARDENED_WS_API = "chat-ws";
export const EDGE_STAGE = "prod";

export interface EdgeSeed {
  created: Record<string, number>;
  legacyDistributionId: string;
  hardenedDistributionId: string;
  plainRestApiId: string;
  hardenedRestApiId: string;
  plainHttpApiId: string;
  hardenedHttpApiId: string;
  plainWsApiId: string;
  hardenedWsApiId: string;
}

export async function seedEdge(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<EdgeSeed> {
  const set = clients(EDGE_REGION);
  const created: Record<string, number> = {};
  const count = (kind: string) => {
    created[kind] = (created[kind] ?? 0) + 1;
  };
  const [legacyDistributionId, hardenedDistributionId] = await seedDistributions(set, accountId, count);
  const [plainRestApiId, hardenedRestApiId] = await seedRestApis(set, accountId, count);
  const v2 = await seedV2Apis(set, accountId, count);
  return { created, legacyDistributionId, hardenedDistributionId, plainRestApiId, hardenedRestApiId, ...v2 };
}

// ---------------------------------------------------------------- CloudFront

async function seedDistributions(
  set: AwsClientSet,
  accountId: string,
  count: (kind: string) => void,
): Promise<[string, string]> {
  const cloudfront = set.get("cloudfront");
  const listed = await cloudfront.send(new ListDistributionsCommand({}));
  const existing = new Map((listed.DistributionList?.Items ?? []).map((d) => [d.Comment, d.Id!]));
  const distribution = async (
    comment: string,
    config: Omit<DistributionConfig, "CallerReference" | "Comment">,
  ) => {
    const found = existing.get(comment);
    if (found) return found;
    const answer = await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: { ...config, CallerReference: `enforceai-demo-${comment}`, Comment: comment },
      }),
    );
    count("cloudfront:distribution");
    return answer.Distribution!.Id!;
  };
  const cacheBehavior = (originId: string, viewerProtocolPolicy: "allow-all" | "redirect-to-https") => ({
    TargetOriginId: originId,
    ViewerProtocolPolicy: viewerProtocolPolicy,
    // The managed CachingOptimized policy.
    CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  });

  const legacy = await distribution(EDGE_LEGACY_DISTRIBUTION, {
    Enabled: true,
    Origins: {
      Quantity: 2,
      Items: [
        {
          Id: "assets-bucket",
          DomainName: "legacy-assets.s3.amazonaws.com",
          S3OriginConfig: { OriginAccessIdentity: "" },
        },
        {
          Id: "legacy-web",
          DomainName: "legacy-web.example.com",
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: "http-only",
            OriginSslProtocols: { Quantity: 2, Items: ["SSLv3", "TLSv1"] },
          },
        },
      ],
    },
    DefaultCacheBehavior: cacheBehavior("assets-bucket", "allow-all"),
    CacheBehaviors: {
      Quantity: 1,
      Items: [{ ...cacheBehavior("legacy-web", "allow-all"), PathPattern: "/app/*" }],
    },
    ViewerCertificate: { CloudFrontDefaultCertificate: true },
  });

  const hardened = await distribution(EDGE_HARDENED_DISTRIBUTION, {
    Enabled: true,
    DefaultRootObject: "index.html",
    Aliases: { Quantity: 1, Items: ["assets.example.com"] },
    Origins: {
      Quantity: 3,
      Items: [
        {
          Id: "assets-bucket",
          DomainName: "app-assets.s3.us-east-1.amazonaws.com",
          S3OriginConfig: { OriginAccessIdentity: "" },
          OriginAccessControlId: "E2QWRUHAPOMQZL",
        },
        {
          Id: "assets-bucket-replica",
          DomainName: "app-assets-replica.s3.us-west-2.amazonaws.com",
          S3OriginConfig: { OriginAccessIdentity: "" },
          OriginAccessControlId: "E2QWRUHAPOMQZL",
        },
        {
          Id: "app-web",
          DomainName: "app-web.example.com",
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: "https-only",
            OriginSslProtocols: { Quantity: 1, Items: ["TLSv1.2"] },
          },
        },
      ],
    },
    OriginGroups: {
      Quantity: 1,
      Items: [
        {
          Id: "assets-failover",
          FailoverCriteria: { StatusCodes: { Quantity: 3, Items: [500, 502, 503] } },
          Members: {
            Quantity: 2,
            Items: [{ OriginId: "assets-bucket" }, { OriginId: "assets-bucket-replica" }],
          },
        },
      ],
    },
    // AWS would route the default behavior to the origin group; moto 5.2.1 accepts only origins as targets
    // (NoSuchOrigin), so the group is declared and the behavior targets its primary.
    DefaultCacheBehavior: cacheBehavior("assets-bucket", "redirect-to-https"),
    CacheBehaviors: {
      Quantity: 1,
      Items: [{ ...cacheBehavior("app-web", "redirect-to-https"), PathPattern: "/app/*" }],
    },
    ViewerCertificate: {
      ACMCertificateArn: `arn:aws:acm:us-east-1:${accountId}:certificate/0f6c3e2a-1b2c-4d5e-8f90-123456789abc`,
      SSLSupportMethod: "sni-only",
      MinimumProtocolVersion: "TLSv1.2_2021",
    },
    WebACLId: `arn:aws:wafv2:us-east-1:${accountId}:global/webacl/edge-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111`,
    Logging: { Enabled: true, IncludeCookies: false, Bucket: "edge-logs.s3.amazonaws.com", Prefix: "cdn/" },
  });
  return [legacy, hardened];
}

// ---------------------------------------------------------------- API Gateway REST

async function seedRestApis(
  set: AwsClientSet,
  accountId: string,
  count: (kind: string) => void,
): Promise<[string, string]> {
  const apigateway = set.get("apigateway");
  const listed = await apigateway.send(new GetRestApisCommand({ limit: 500 }));
  const existing = new Map((listed.items ?? []).map((a) => [a.name, a.id!]));
  const restApi = async (
    name: string,
    input: Omit<ConstructorParameters<typeof CreateRestApiCommand>[0], "name">,
  ): Promise<string> => {
    const found = existing.get(name);
    if (found) return found;
    const api = await apigateway.send(new CreateRestApiCommand({ ...input, name }));
    const id = api.id!;
    count("apigateway:rest-api");
    // A deployment needs a method: GET / answered by a mock integration.
    const resources = await apigateway.send(new GetResourcesCommand({ restApiId: id }));
    const root = resources.items?.find((r) => r.path === "/")?.id;
    if (!root) throw new Error(`REST API ${name} has no root resource`);
    await apigateway.send(
      new PutMethodCommand({ restApiId: id, resourceId: root, httpMethod: "GET", authorizationType: "NONE" }),
    );
    await apigateway.send(
      new PutIntegrationCommand({ restApiId: id, resourceId: root, httpMethod: "GET", type: "MOCK" }),
    );
    return id;
  };
  const stage = async (
    restApiId: string,
    input: Omit<
      ConstructorParameters<typeof CreateStageCommand>[0],
      "restApiId" | "stageName" | "deploymentId"
    >,
    patch: { op: "replace"; path: string; value: string }[],
  ) => {
    const stages = await apigateway.send(new GetStagesCommand({ restApiId }));
    if (stages.item?.some((s) => s.stageName === EDGE_STAGE)) return;
    const deployment = await apigateway.send(new CreateDeploymentCommand({ restApiId }));
    await apigateway.send(
      new CreateStageCommand({ ...input, restApiId, stageName: EDGE_STAGE, deploymentId: deployment.id! }),
    );
    count("apigateway:stage");
    if (patch.length > 0)
      await apigateway.send(
        new UpdateStageCommand({ restApiId, stageName: EDGE_STAGE, patchOperations: patch }),
      );
  };

  // The legacy API: edge-optimized, no resource policy; its stage logs nothing, traces nothing, trusts any caller
  // of its backend and keeps an unencrypted cache.
  const plain = await restApi(EDGE_PLAIN_REST_API, { endpointConfiguration: { types: ["EDGE"] } });
  await stage(plain, { cacheClusterEnabled: true, cacheClusterSize: "0.5" }, [
    { op: "replace", path: "/*/*/caching/enabled", value: "true" },
    { op: "replace", path: "/*/*/caching/dataEncrypted", value: "false" },
  ]);

  // Its twin: regional, callable only from this account, with every stage setting turned on.
  const hardened = await restApi(EDGE_HARDENED_REST_API, {
    endpointConfiguration: { types: ["REGIONAL"] },
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: "execute-api:Invoke",
          Resource: "execute-api:/*",
        },
      ],
    }),
  });
  if (!existing.has(EDGE_HARDENED_REST_API)) {
    await apigateway.send(
      new CreateRestAuthorizerCommand({
        restApiId: hardened,
        name: "cognito",
        type: "COGNITO_USER_POOLS",
        providerARNs: [`arn:aws:cognito-idp:${EDGE_REGION}:${accountId}:userpool/${EDGE_REGION}_EXAMPLE`],
        identitySource: "method.request.header.Authorization",
      }),
    );
    count("apigateway:authorizer");
  }
  // moto 5.2.1 does not implement GenerateClientCertificate (an HTML 404); the stage then names a made-up id,
  // which moto stores as given.
  const certificateId = await apigateway
    .send(new GenerateClientCertificateCommand({ description: `${EDGE_HARDENED_REST_API} backend` }))
    .then((c) => c.clientCertificateId!)
    .catch(() => "a1b2c3");
  await stage(hardened, { tracingEnabled: true, cacheClusterEnabled: true, cacheClusterSize: "0.5" }, [
    { op: "replace", path: "/*/*/logging/loglevel", value: "ERROR" },
    { op: "replace", path: "/*/*/caching/enabled", value: "true" },
    { op: "replace", path: "/*/*/caching/dataEncrypted", value: "true" },
    { op: "replace", path: "/clientCertificateId", value: certificateId },
    {
      op: "replace",
      path: "/accessLogSettings/destinationArn",
      value: `arn:aws:logs:${EDGE_REGION}:${accountId}:log-group:api-gateway/${EDGE_HARDENED_REST_API}`,
    },
    { op: "replace", path: "/accessLogSettings/format", value: '{"requestId":"$context.requestId"}' },
  ]);
  return [plain, hardened];
}

// ---------------------------------------------------------------- API Gateway v2

async function seedV2Apis(
  set: AwsClientSet,
  accountId: string,
  count: (kind: string) => void,
): Promise<Pick<EdgeSeed, "plainHttpApiId" | "hardenedHttpApiId" | "plainWsApiId" | "hardenedWsApiId">> {
  const v2 = set.get("apigatewayv2");
  const listed = await v2.send(new GetApisCommand({ MaxResults: "500" }));
  const existing = new Map((listed.Items ?? []).map((a) => [a.Name, a.ApiId!]));
  const logGroup = (name: string) => `arn:aws:logs:${EDGE_REGION}:${accountId}:log-group:api-gateway/${name}`;

  const api = async (
    name: string,
    input: Omit<ConstructorParameters<typeof CreateApiCommand>[0], "Name">,
    build: (apiId: string) => Promise<void>,
  ): Promise<string> => {
    const found = existing.get(name);
    if (found) return found;
    const created = await v2.send(new CreateApiCommand({ ...input, Name: name }));
    count("apigatewayv2:api");
    await build(created.ApiId!);
    return created.ApiId!;
  };
  const stage = async (
    apiId: string,
    input: Omit<ConstructorParameters<typeof CreateV2StageCommand>[0], "ApiId" | "StageName">,
  ) => {
    await v2.send(new CreateV2StageCommand({ ...input, ApiId: apiId, StageName: EDGE_STAGE }));
    count("apigatewayv2:stage");
  };

  // An HTTP API whose webhook route anyone may call, on a stage without an access log.
  const plainHttpApiId = await api(EDGE_PLAIN_HTTP_API, { ProtocolType: "HTTP" }, async (id) => {
    await v2.send(new CreateRouteCommand({ ApiId: id, RouteKey: "POST /hooks", AuthorizationType: "NONE" }));
    await stage(id, { AutoDeploy: true });
  });
  // Its twin: every route behind a JWT authorizer, and an access log.
  const hardenedHttpApiId = await api(EDGE_HARDENED_HTTP_API, { ProtocolType: "HTTP" }, async (id) => {
    const authorizer = await v2.send(
      new CreateAuthorizerCommand({
        ApiId: id,
        Name: "cognito",
        AuthorizerType: "JWT",
        IdentitySource: ["$request.header.Authorization"],
        JwtConfiguration: {
          Audience: ["webhooks"],
          Issuer: `https://cognito-idp.${EDGE_REGION}.amazonaws.com/${EDGE_REGION}_EXAMPLE`,
        },
      }),
    );
    await v2.send(
      new CreateRouteCommand({
        ApiId: id,
        RouteKey: "POST /hooks",
        AuthorizationType: "JWT",
        AuthorizerId: authorizer.AuthorizerId,
      }),
    );
    await stage(id, {
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: logGroup(EDGE_HARDENED_HTTP_API),
        Format: '{"requestId":"$context.requestId"}',
      },
    });
  });
  // A WebSocket API that logs nothing…
  const plainWsApiId = await api(
    EDGE_PLAIN_WS_API,
    { ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" },
    async (id) => {
      await v2.send(new CreateRouteCommand({ ApiId: id, RouteKey: "$connect", AuthorizationType: "NONE" }));
      await stage(id, {});
    },
  );
  // …and its twin: IAM on $connect, execution logging at ERROR and an access log.
  const hardenedWsApiId = await api(
    EDGE_HARDENED_WS_API,
    { ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" },
    async (id) => {
      await v2.send(
        new CreateRouteCommand({ ApiId: id, RouteKey: "$connect", AuthorizationType: "AWS_IAM" }),
      );
      await v2.send(new CreateRouteCommand({ ApiId: id, RouteKey: "sendMessage" }));
      await stage(id, {
        DefaultRouteSettings: {
          LoggingLevel: "ERROR",
          DataTraceEnabled: false,
          DetailedMetricsEnabled: true,
        },
        AccessLogSettings: {
          DestinationArn: logGroup(EDGE_HARDENED_WS_API),
          Format: '{"requestId":"$context.requestId"}',
        },
      });
    },
  );
  return { plainHttpApiId, hardenedHttpApiId, plainWsApiId, hardenedWsApiId };
}
