import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { redactValue, redactVariables } from "../../src/domain/secrets.ts";
import { secretLikeVariables } from "../../src/engine/evaluators/lambda.ts";
import { SAMPLE_INVENTORY_FILE } from "../../src/paths.ts";

describe("secret hygiene of environment variables", () => {
  it.each([
    ["hunter2", "[redacted literal, 7 characters]"],
    ["", ""],
    ["true", "true"],
    [
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
    ],
    ["{{resolve:ssm:/app/db}}", "{{resolve:ssm:/app/db}}"],
    ["/prod/app/db-password", "/prod/app/db-password"],
  ])("redacts %j to %j", (value, expected) => {
    expect(redactValue(value)).toBe(expected);
  });

  it("is idempotent and still lets the check see a literal under a secret-like name", () => {
    const once = redactVariables({
      DB_PASSWORD: "hunter2",
      DB_PASSWORD_ARN: "arn:aws:secretsmanager:x",
      DEBUG: "false",
    });
    expect(redactVariables(once)).toEqual(once);
    expect(secretLikeVariables(once)).toEqual({ literal: ["DB_PASSWORD"], referenced: [] });
  });

  it("keeps no literal secret in the bundled sample", async () => {
    const text = await readFile(SAMPLE_INVENTORY_FILE, "utf8");
    expect(text).not.toContain("hunter2");
    expect(text).toContain("[redacted literal, 12 characters]");
  });
});
