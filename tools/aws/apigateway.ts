import {
  GetAuthorizersCommand,
  GetRestApisCommand,
  GetStagesCommand,
  type RestApi,
  type Stage,
} from "@aws-sdk/client-api-gateway";
import { redactVariables } from "../../src/domain/secrets.ts";
import { isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type Collector, type CollectorContext, item, parsePolicyDocument } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * API Gateway authorizes every read with the HTTP verb on the resource path (`apigateway:GET` on
 * `arn:aws:apigateway:REGION::/restapis/*`), not with an action per operation; the v2 API (apigatewayv2.ts) does
 * the same. Every call of both collectors therefore declares `apigateway:GET`.
 */
export const APIGATEWAY_READ = "apigateway:GET";

const POSITION = { input: "position", output: "position" };

/**
 * Stage maps whose keys are data: method settings are keyed by `RESOURCE_PATH/HTTP_METHOD` (`*\/*` for the whole
 * stage), route settings by route key, and stage variables by their names.
 */
export const STAGE_DATA_KEYS: ReadonlySet<string> = new Set([
  "methodSettings",
  "RouteSettings",
  "variables",
  "StageVariables",
  "tags",
  "Tags",
]);

/**
 * API Gateway answers the resource policy as JSON text whose quotes are backslash-escaped (`{\"Version\":…}`).
 * Parsed here into a document with AWS's own keys, as the policy evaluators read it.
 */
export function parseApiPolicy(policy: string | undefined): Record<string, unknown> | null {
  const parsed = parsePolicyDocument(policy);
  if (parsed && "$raw" in parsed && typeof policy === "string") {
    const unescaped = parsePolicyDocument(policy.replace(/\\"/g, '"').replace(/\\\\/g, "\\"));
    if (unescaped && !("$raw" in unescaped)) return unescaped;
  }
  return parsed;
}

/**
 * REST APIs of the region. The listing carries the endpoint types (EDGE, REGIONAL, PRIVATE) and VPC endpoints, the
 * resource policy (parsed) and the tags; per API we read its stages, which become `AWS::ApiGateway::Stage` items of
 * their own (execution and access logging, X-Ray, client certificate, cache, web ACL are stage settings), and its
 * authorizers (id, name, type and identity source only).
 */
const restApis = resource({
  resourceType: "AWS::ApiGateway::RestApi",
  client: "apigateway",
  list: {
    action: APIGATEWAY_READ,
    command: GetRestApisCommand,
    input: { limit: 500 },
    paging: POSITION,
    items: (page) => page.items,
  },
  id: (api: RestApi) => api.id,
  name: (api) => api.name || api.id,
  arn: (api, ctx) => `arn:${ctx.partition}:apigateway:${ctx.region}::/restapis/${api.id}`,
  configuration: (api) => {
    const { tags: _tags, policy, ...rest } = api;
    return {
      ...lowerCamelKeys(rest),
      endpointTypes: api.endpointConfiguration?.types ?? [],
      policy: parseApiPolicy(policy),
    };
  },
  tags: (api) => ({ ...(api.tags ?? {}) }),
  details: [
    detail({
      key: "stages",
      action: APIGATEWAY_READ,
      command: GetStagesCommand,
      input: (api: RestApi) => ({ restApiId: api.id }),
      // Kept whole here only until the collector turns them into stage items (see `restApiStages`).
      pick: (answer) => answer.item ?? [],
    }),
    detail({
      key: "authorizers",
      action: APIGATEWAY_READ,
      command: GetAuthorizersCommand,
      paging: POSITION,
      input: (api: RestApi) => ({ restApiId: api.id, limit: 500 }),
      pick: (answer) =>
        (answer.items ?? []).map((a) => ({
          id: a.id ?? null,
          name: a.name ?? null,
          type: a.type ?? null,
          identitySource: a.identitySource ?? null,
        })),
    }),
  ],
});

export const apigatewaySpec: ServiceSpec = { service: "apigateway", global: false, resources: [restApis] };

const restApisCollector = specCollector(apigatewaySpec);

/**
 * API Gateway REST APIs per region, and each API's stages as items of their own. A stage listing that failed
 * stays a `$error` marker under the API's `stages` and is a coverage gap (its stages could not be judged).
 */
export const apigatewayCollector: Collector & { spec: ServiceSpec } = {
  ...restApisCollector,
  async collect(ctx) {
    // Stages come out of their APIs: a targeted read reads every API (see CollectorContext.wants).
    const apis = await restApisCollector.collect({ ...ctx, wants: undefined });
    return [...apis, ...splitStages(ctx, apis, restApiStage)];
  },
};

/** The stage item of a REST API's stage. */
function restApiStage(ctx: CollectorContext, api: ConfigurationItem, stage: Stage): ConfigurationItem | null {
  if (!stage.stageName) return null;
  const { tags, variables, ...rest } = stage;
  return item(ctx, {
    resourceType: "AWS::ApiGateway::Stage",
    resourceId: `${api.resourceId}/${stage.stageName}`,
    resourceName: `${api.resourceName}/${stage.stageName}`,
    arn: `${api.arn}/stages/${stage.stageName}`,
    awsRegion: ctx.region,
    configuration: {
      restApiId: api.resourceId,
      restApiName: api.resourceName,
      endpointTypes: api.configuration.endpointTypes ?? [],
      accessLogSettings: null,
      clientCertificateId: null,
      webAclArn: null,
      tracingEnabled: false,
      cacheClusterEnabled: false,
      methodSettings: {},
      ...lowerCamelKeys(rest, STAGE_DATA_KEYS),
      variables: variables ? redactVariables(variables) : {},
    },
    supplementaryConfiguration: {},
    tags: { ...(tags ?? {}) },
  });
}

/**
 * Turns the `stages` an API item carries into stage items and leaves the API with their names. Shared by the REST
 * and the v2 collector.
 */
export function splitStages<S>(
  ctx: CollectorContext,
  apis: ConfigurationItem[],
  toItem: (ctx: CollectorContext, api: ConfigurationItem, stage: S) => ConfigurationItem | null,
): ConfigurationItem[] {
  const out: ConfigurationItem[] = [];
  for (const api of apis) {
    const stages = api.supplementaryConfiguration.stages;
    if (isCallError(stages)) {
      ctx.recordGap(
        `GetStages(${api.resourceId})`,
        Object.assign(new Error(stages.$error.message), { name: stages.$error.code }),
      );
      continue;
    }
    if (!Array.isArray(stages)) continue;
    const items = (stages as S[]).map((s) => toItem(ctx, api, s)).filter((i): i is ConfigurationItem => !!i);
    api.supplementaryConfiguration.stages = items.map((i) => i.configuration.stageName);
    out.push(...items);
  }
  return out;
}
