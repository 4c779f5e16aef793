import {
  type FunctionConfiguration,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListFunctionsCommand,
  ListFunctionUrlConfigsCommand,
  ListTagsCommand,
} from "@aws-sdk/client-lambda";
import { redactVariables } from "../../src/domain/secrets.ts";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { parsePolicyDocument } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** Lambda answers ResourceNotFoundException both for "no such function" and for "no URL / no policy". */
const NOT_CONFIGURED = ["ResourceNotFoundException"];

const functions = resource({
  resourceType: "AWS::Lambda::Function",
  client: "lambda",
  list: {
    action: "lambda:ListFunctions",
    command: ListFunctionsCommand,
    paging: { input: "Marker", output: "NextMarker" },
    items: (page) => page.Functions?.filter((f) => f.FunctionArn),
  },
  id: (fn: FunctionConfiguration) => fn.FunctionName,
  arn: (fn) => fn.FunctionArn!,
  // Environment variable names are data: lowerCamelKeys keeps the keys under `Variables` as they are.
  // Their values may be credentials: literals are redacted before the item exists (see src/domain/secrets.ts).
  configuration: (fn) => lowerCamelKeys(redactEnvironment(fn)),
  details: [
    detail({
      key: "functionUrl",
      action: "lambda:GetFunctionUrlConfig",
      command: GetFunctionUrlConfigCommand,
      input: (fn: FunctionConfiguration) => ({ FunctionName: fn.FunctionName }),
      pick: (answer) => ({
        functionUrl: answer.FunctionUrl ?? null,
        authType: answer.AuthType ?? null,
        cors: answer.Cors ? lowerCamelKeys(answer.Cors) : null,
      }),
      absentWhen: NOT_CONFIGURED,
    }),
    // Every URL of the function, the unqualified one and those on aliases: GetFunctionUrlConfig above only
    // reads the unqualified one. The qualifier (alias name) is the ARN's eighth part; null for the function itself.
    detail({
      key: "functionUrls",
      action: "lambda:ListFunctionUrlConfigs",
      command: ListFunctionUrlConfigsCommand,
      paging: { input: "Marker", output: "NextMarker" },
      input: (fn: FunctionConfiguration) => ({ FunctionName: fn.FunctionName }),
      pick: (answer) =>
        (answer.FunctionUrlConfigs ?? []).map((url) => ({
          functionUrl: url.FunctionUrl ?? null,
          functionArn: url.FunctionArn ?? null,
          qualifier: url.FunctionArn?.split(":")[7] ?? null,
          authType: url.AuthType ?? null,
          cors: url.Cors ? lowerCamelKeys(url.Cors) : null,
        })),
      absentWhen: NOT_CONFIGURED,
    }),
    detail({
      key: "policy",
      action: "lambda:GetPolicy",
      command: GetPolicyCommand,
      input: (fn: FunctionConfiguration) => ({ FunctionName: fn.FunctionName }),
      pick: (answer) => parsePolicyDocument(answer.Policy),
      absentWhen: NOT_CONFIGURED,
    }),
  ],
  tagsCall: detail({
    key: "tags",
    action: "lambda:ListTags",
    command: ListTagsCommand,
    input: (fn: FunctionConfiguration) => ({ Resource: fn.FunctionArn }),
    pick: (answer) => answer.Tags ?? {},
    absentWhen: NOT_CONFIGURED,
  }),
});

export const lambdaSpec: ServiceSpec = { service: "lambda", global: false, resources: [functions] };

/** Lambda functions with their function URL(s) and resource policy (either may be absent). */
export const lambdaCollector = specCollector(lambdaSpec);

function redactEnvironment<T extends { Environment?: { Variables?: Record<string, string> } }>(fn: T): T {
  const variables = fn.Environment?.Variables;
  if (!variables) return fn;
  return {
    ...fn,
    Environment: { ...fn.Environment, Variables: redactVariables(variables) as Record<string, string> },
  };
}
