import {
  type Api,
  GetApisCommand,
  GetRoutesCommand,
  GetStagesCommand,
  type Stage,
} from "@aws-sdk/client-apigatewayv2";
import { redactVariables } from "../../src/domain/secrets.ts";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { APIGATEWAY_READ, STAGE_DATA_KEYS, splitStages } from "./apigateway.ts";
import { type Collector, type CollectorContext, item } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const NEXT_TOKEN = { input: "NextToken", output: "NextToken" };
/** The largest page the v2 API serves: one call per 500 APIs, stages or routes. */
const PAGE = "500";

/**
 * HTTP and WebSocket APIs of the region. Per API we read its stages (which become `AWS::ApiGatewayV2::Stage`
 * items: access logging, default route settings with the WebSocket execution log level) and its routes, of which
 * only what authorization needs is kept (route key, authorization type, authorizer, API key). Routes are bounded by
 * the API's own quota (300 per API by default), one or two pages.
 */
const apis = resource({
  resourceType: "AWS::ApiGatewayV2::Api",
  client: "apigatewayv2",
  list: {
    action: APIGATEWAY_READ,
    command: GetApisCommand,
    input: { MaxResults: PAGE },
    paging: NEXT_TOKEN,
    items: (page) => page.Items,
  },
  id: (api: Api) => api.ApiId,
  name: (api) => api.Name || api.ApiId,
  arn: (api, ctx) => `arn:${ctx.partition}:apigateway:${ctx.region}::/apis/${api.ApiId}`,
  configuration: (api) => {
    const { Tags: _tags, ...rest } = api;
    return lowerCamelKeys(rest);
  },
  tags: (api) => ({ ...(api.Tags ?? {}) }),
  details: [
    detail({
      key: "stages",
      action: APIGATEWAY_READ,
      command: GetStagesCommand,
      paging: NEXT_TOKEN,
      input: (api: Api) => ({ ApiId: api.ApiId, MaxResults: PAGE }),
      // Kept whole here only until the collector turns them into stage items.
      pick: (answer) => answer.Items ?? [],
    }),
    detail({
      key: "routes",
      action: APIGATEWAY_READ,
      command: GetRoutesCommand,
      paging: NEXT_TOKEN,
      input: (api: Api) => ({ ApiId: api.ApiId, MaxResults: PAGE }),
      pick: (answer) =>
        (answer.Items ?? []).map((r) => ({
          routeId: r.RouteId ?? null,
          routeKey: r.RouteKey ?? null,
          // AWS answers NONE for a route without authorization; an answer that leaves it out means the same.
          authorizationType: r.AuthorizationType ?? "NONE",
          authorizerId: r.AuthorizerId ?? null,
          apiKeyRequired: r.ApiKeyRequired ?? false,
          apiGatewayManaged: r.ApiGatewayManaged ?? false,
        })),
    }),
  ],
});

export const apigatewayv2Spec: ServiceSpec = { service: "apigatewayv2", global: false, resources: [apis] };

const apisCollector = specCollector(apigatewayv2Spec);

/** API Gateway v2 (HTTP and WebSocket) APIs per region with their routes, and each API's stages as items. */
export const apigatewayv2Collector: Collector & { spec: ServiceSpec } = {
  ...apisCollector,
  async collect(ctx) {
    // Stages come out of their APIs: a targeted read reads every API (see CollectorContext.wants).
    const items = await apisCollector.collect({ ...ctx, wants: undefined });
    return [...items, ...splitStages(ctx, items, apiStage)];
  },
};

function apiStage(ctx: CollectorContext, api: ConfigurationItem, stage: Stage): ConfigurationItem | null {
  if (!stage.StageName) return null;
  const { Tags, StageVariables, ...rest } = stage;
  return item(ctx, {
    resourceType: "AWS::ApiGatewayV2::Stage",
    resourceId: `${api.resourceId}/${stage.StageName}`,
    resourceName: `${api.resourceName}/${stage.StageName}`,
    arn: `${api.arn}/stages/${stage.StageName}`,
    awsRegion: ctx.region,
    configuration: {
      apiId: api.resourceId,
      apiName: api.resourceName,
      protocolType: api.configuration.protocolType ?? null,
      accessLogSettings: null,
      defaultRouteSettings: null,
      ...lowerCamelKeys(rest, STAGE_DATA_KEYS),
      stageVariables: StageVariables ? redactVariables(StageVariables) : {},
    },
    supplementaryConfiguration: {},
    tags: { ...(Tags ?? {}) },
  });
}
