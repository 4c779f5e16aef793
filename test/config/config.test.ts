import { describe, expect, it } from "vitest";
import { DEFAULT_ANALYSIS_MODEL, loadConfig, redactedConfig } from "../../src/config/index.ts";
import { ConfigError } from "../../src/errors.ts";

describe("configuration loader", () => {
  it("runs on embedded defaults with no configuration", () => {
    const c = loadConfig({}, { cwd: "/srv/app" });
    expect(c.home).toBe("/srv/app/.enforceai");
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.opensearchUrl).toBeUndefined();
    expect(c.llm.mode).toBe("offline");
    expect(c.llm.analysisModel).toBe(DEFAULT_ANALYSIS_MODEL);
    expect(c.embeddings).toBe("local");
  });

  it("reads the production backends and follows ENFORCEAI_LLM for embeddings", () => {
    const c = loadConfig({
      DATABASE_URL: "postgres://u:p@db:5432/enforceai",
      REDIS_URL: "redis://cache:6379/0",
      OPENSEARCH_URL: "https://search:9200",
      ENFORCEAI_LLM: "bedrock",
      ENFORCEAI_USER: "carol",
      ENFORCEAI_HOME: "/var/lib/enforceai",
    });
    expect(c.databaseUrl).toBe("postgres://u:p@db:5432/enforceai");
    expect(c.embeddings).toBe("bedrock");
    expect(c.user).toBe("carol");
    expect(c.home).toBe("/var/lib/enforceai");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", ENFORCEAI_LLM: " " }).databaseUrl).toBeUndefined();
  });

  it.each([
    [
      "DATABASE_URL",
      "mysql://x",
      /^DATABASE_URL="mysql:\/\/x" is not a valid URL; expected the form postgres:\/\//,
    ],
    [
      "REDIS_URL",
      "localhost:6379",
      /^REDIS_URL="localhost:6379" is not a valid URL; expected the form redis:\/\//,
    ],
    ["OPENSEARCH_URL", "search:9200", /^OPENSEARCH_URL="search:9200" .*http:\/\/HOST:9200/],
    ["ENFORCEAI_LLM", "gpt", /^ENFORCEAI_LLM="gpt" is not supported; expected one of offline, bedrock$/],
    [
      "ENFORCEAI_EMBEDDINGS",
      "openai",
      /^ENFORCEAI_EMBEDDINGS="openai" is not supported; expected one of local, bedrock$/,
    ],
    [
      "ENFORCEAI_REMEDIATION_ROLE_ARN",
      "admin",
      /^ENFORCEAI_REMEDIATION_ROLE_ARN="admin" is not an IAM role ARN/,
    ],
  ])("stops on a bad %s with one line naming the variable and the expected form", (name, value, pattern) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain("\n");
  });

  it("masks credentials when the configuration is shown", () => {
    const c = redactedConfig(
      loadConfig({ DATABASE_URL: "postgres://u:secret@db/x", REDIS_URL: "redis://:pw@r:6379" }),
    );
    expect(c.databaseUrl).not.toContain("secret");
    expect(c.redisUrl).not.toContain("pw");
  });
});
