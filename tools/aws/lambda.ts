import {
  type FunctionConfiguration,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListTagsCommand,
  paginateListFunctions,
} from "@aws-sdk/client-lambda";

import { redactVariables } from "../../src/domain/secrets.ts";
import { isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Collector,
  type CollectorContext,
  item,
  listing,
  parsePolicyDocument,
  supplementary,
} from "./collector.ts";
import { collectPages, createLimiter, type Limiter, mapLimit } from "./concurrency.ts";

/** Lambda functions with their function URL and resource policy (either may be absent). */
export const lambdaCollector: Collector = {
  service: "lambda",
  global: false,
  async collect(ctx) {
    return listing(ctx, "ListFunctions", () => functions(ctx));
  },
};

/** Lambda answers ResourceNotFoundException both for "no such function" and for "no URL / no policy". */
const NOT_CONFIGURED = ["ResourceNotFoundException"];

async function functions(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const list = await collectPages(
    paginateListFunctions({ client: ctx.clients.lambda }, {}),
    (p) => p.Functions,
  );
  const limit = createLimiter(ctx.perResourceConcurrency);
  return mapLimit(
    list.filter((f) => f.FunctionName && f.FunctionArn),
    ctx.perResourceConcurrency,
    (fn) => functionItem(ctx, fn, limit),
  );
}

async function functionItem(
  ctx: CollectorContext,
  fn: FunctionConfiguration,
  limit: Limiter,
): Promise<ConfigurationItem> {
  const lambda = ctx.clients.lambda;
  const FunctionName = fn.FunctionName!;
  const [functionUrl, policy, tags] = await Promise.all([
    limit(() =>
      supplementary(async () => {
        const answer = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName }));
        return {
          functionUrl: answer.FunctionUrl ?? null,
          authType: answer.AuthType ?? null,
          cors: answer.Cors ? lowerCamelKeys(answer.Cors) : null,
        };
      }, NOT_CONFIGURED),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await lambda.send(new GetPolicyCommand({ FunctionName }));
        return parsePolicyDocument(answer.Policy);
      }, NOT_CONFIGURED),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await lambda.send(new ListTagsCommand({ Resource: fn.FunctionArn }));
        return answer.Tags ?? {};
      }, NOT_CONFIGURED),
    ),
  ]);
  const supplementaryConfiguration: Record<string, unknown> = { functionUrl, policy };
  if (isCallError(tags)) supplementaryConfiguration.tags = tags;
  return item(ctx, {
    resourceType: "AWS::Lambda::Function",
    resourceId: FunctionName,
    resourceName: FunctionName,
    arn: fn.FunctionArn!,
    awsRegion: ctx.region,
    // Environment variable names are data: lowerCamelKeys keeps the keys under `Variables` as they are.
    // Their values may be credentials: literals are redacted before the item exists (see src/domain/secrets.ts).
    configuration: lowerCamelKeys(redactEnvironment(fn)),
    supplementaryConfiguration,
    tags: tags && !isCallError(tags) ? tags : {},
  });
}

function redactEnvironment<T extends { Environment?: { Variables?: Record<string, string> } }>(fn: T): T {
  const variables = fn.Environment?.Variables;
  if (!variables) return fn;
  return {
    ...fn,
    Environment: { ...fn.Environment, Variables: redactVariables(variables) as Record<string, string> },
  };
}
