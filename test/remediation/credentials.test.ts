/**
 * Remediation's own credentials: a role assumed through STS (moto) or a named profile; nothing else.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.ts";
import { remediationAws } from "../../src/remediation/credentials.ts";
import type { ClientFactory, ClientSettings } from "../../tools/aws/clients.ts";
import { createClient } from "../../tools/aws/clients.ts";
import { DUMMY_CREDENTIALS, randomAccountId } from "../aws/moto-helpers.ts";
import { requireService } from "../helpers/services.ts";
import { countingFactory } from "./helpers.ts";

const moto = requireService("moto");

describe("remediation credentials", () => {
  it("refuses to run on the scanning credentials", () => {
    expect(() => remediationAws({})).toThrow(ConfigError);
    expect(() => remediationAws({})).toThrow(
      /ENFORCEAI_REMEDIATION_ROLE_ARN .* ENFORCEAI_REMEDIATION_PROFILE/,
    );
  });

  it("gives every client the named profile", () => {
    const seen: ClientSettings[] = [];
    const factory: ClientFactory = (kind, settings) => {
      seen.push(settings);
      return createClient(kind, settings);
    };
    const aws = remediationAws({
      profile: "enforceai-remediation",
      clientFactory: factory,
      region: "eu-west-1",
    });
    aws.clientsFor("eu-west-1").get("s3");
    expect(seen[0]).toMatchObject({ region: "eu-west-1", profile: "enforceai-remediation" });
    expect(aws.identity).toBe("profile enforceai-remediation");
    aws.destroy();
  });

  it.skipIf(!moto)("assumes the remediation role through STS and acts in its account", async () => {
    const accountId = randomAccountId();
    const counting = countingFactory();
    const aws = remediationAws({
      roleArn: `arn:aws:iam::${accountId}:role/enforceai-remediation`,
      endpoint: moto,
      region: "us-east-1",
      sourceCredentials: DUMMY_CREDENTIALS,
      clientFactory: counting.factory,
    });
    const who = await aws.clientsFor("us-east-1").sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toMatch(
      new RegExp(`^arn:aws:sts::${accountId}:assumed-role/enforceai-remediation/enforceai-remediation`),
    );
    expect(counting.count("AssumeRole")).toBe(1);
    aws.destroy();
  });
});
