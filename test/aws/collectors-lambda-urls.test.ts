/**
 * Function URLs on Lambda aliases. moto (5.2) has no ListFunctionUrlConfigs and ignores the Qualifier of
 * CreateFunctionUrlConfig, so these tests run over stubbed SDK clients answering in the documented AWS shape
 * (FunctionUrlConfigs[] with FunctionUrl, FunctionArn, AuthType, Cors; paged by Marker/NextMarker).
 */
import { describe, expect, it } from "vitest";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { lambdaCollector } from "../../tools/aws/lambda.ts";
import { awsError } from "./moto-helpers.ts";
import { type StubAnswers, stubContext } from "./stub-sdk.ts";

const ARN = "arn:aws:lambda:us-east-1:111122223333:function";
const AUTH = "lambda_function_alias_urls_auth_required";
const CORS = "lambda_function_alias_urls_cors_restricted";

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, new Date()))?.status;
}

const notFound = () => awsError("ResourceNotFoundException", "not configured", 404);

/** Two functions: `open-api` has a public alias URL open to every origin, its twin `iam-api` an IAM one. */
function answers(urls: StubAnswers[string]): StubAnswers {
  return {
    "lambda:ListFunctions": () => ({
      Functions: ["open-api", "iam-api"].map((name) => ({
        FunctionName: name,
        FunctionArn: `${ARN}:${name}`,
        Runtime: "nodejs20.x",
      })),
    }),
    "lambda:GetFunctionUrlConfig": notFound,
    "lambda:ListFunctionUrlConfigs": urls,
    "lambda:GetPolicy": notFound,
    "lambda:ListTags": () => ({ Tags: {} }),
  };
}

describe("Lambda function URLs on aliases", () => {
  it("records every URL with its qualifier across pages; the alias checks FAIL the open one, PASS the twin", async () => {
    const calls: Array<Record<string, unknown>> = [];
    const { ctx } = stubContext(
      answers((input) => {
        calls.push(input);
        if (input.FunctionName === "open-api") {
          // Two pages: the alias URL arrives after the marker.
          if (!input.Marker) {
            return {
              FunctionUrlConfigs: [
                {
                  FunctionUrl: "https://unq111.lambda-url.us-east-1.on.aws/",
                  FunctionArn: `${ARN}:open-api`,
                  AuthType: "AWS_IAM",
                },
              ],
              NextMarker: "page-2",
            };
          }
          return {
            FunctionUrlConfigs: [
              {
                FunctionUrl: "https://open222.lambda-url.us-east-1.on.aws/",
                FunctionArn: `${ARN}:open-api:live`,
                AuthType: "NONE",
                Cors: { AllowOrigins: ["*"], AllowMethods: ["GET"] },
              },
            ],
          };
        }
        return {
          FunctionUrlConfigs: [
            {
              FunctionUrl: "https://iam333.lambda-url.us-east-1.on.aws/",
              FunctionArn: `${ARN}:iam-api:live`,
              AuthType: "AWS_IAM",
              Cors: { AllowOrigins: ["https://app.example.com"] },
            },
          ],
        };
      }),
    );
    const items = await lambdaCollector.collect(ctx);
    const open = items.find((i) => i.resourceId === "open-api")!;
    const twin = items.find((i) => i.resourceId === "iam-api")!;

    expect(calls.filter((c) => c.FunctionName === "open-api").map((c) => c.Marker)).toEqual([
      undefined,
      "page-2",
    ]);
    expect(open.supplementaryConfiguration.functionUrls).toEqual([
      {
        functionUrl: "https://unq111.lambda-url.us-east-1.on.aws/",
        functionArn: `${ARN}:open-api`,
        qualifier: null,
        authType: "AWS_IAM",
        cors: null,
      },
      {
        functionUrl: "https://open222.lambda-url.us-east-1.on.aws/",
        functionArn: `${ARN}:open-api:live`,
        qualifier: "live",
        authType: "NONE",
        cors: { allowOrigins: ["*"], allowMethods: ["GET"] },
      },
    ]);
    // The unqualified key is unchanged: GetFunctionUrlConfig still fills it (here: no unqualified URL read).
    expect(open.supplementaryConfiguration.functionUrl).toBeNull();

    expect(verdict(items, AUTH, open)).toBe("FAIL");
    expect(verdict(items, CORS, open)).toBe("FAIL");
    expect(verdict(items, AUTH, twin)).toBe("PASS");
    expect(verdict(items, CORS, twin)).toBe("PASS");
  });

  it("skips functions without alias URLs", async () => {
    const { ctx } = stubContext(answers(() => ({ FunctionUrlConfigs: [] })));
    const items = await lambdaCollector.collect(ctx);
    for (const fn of items) {
      expect(fn.supplementaryConfiguration.functionUrls).toEqual([]);
      expect(verdict(items, AUTH, fn)).toBeUndefined();
      expect(verdict(items, CORS, fn)).toBeUndefined();
    }
  });

  it("keeps a denied URL listing as a $error marker, which the alias checks report as ERROR", async () => {
    const { ctx } = stubContext(
      answers(() =>
        awsError("AccessDeniedException", "not authorized to perform lambda:ListFunctionUrlConfigs", 403),
      ),
    );
    const items = await lambdaCollector.collect(ctx);
    expect(items).toHaveLength(2);
    for (const fn of items) {
      expect(isCallError(fn.supplementaryConfiguration.functionUrls)).toBe(true);
      expect(verdict(items, AUTH, fn)).toBe("ERROR");
      expect(verdict(items, CORS, fn)).toBe("ERROR");
    }
  });
});
