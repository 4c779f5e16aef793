import { describe, expect, it } from "vitest";
import { CIS_FILTER_PATTERNS } from "../../scripts/cis-monitoring-patterns.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { createContext } from "../../src/engine/evaluate.ts";
import {
  MONITORED_CLASSES,
  monitoringEvaluators,
  patternCovers,
} from "../../src/engine/evaluators/monitoring.ts";
import { parseFilterPattern, patternMatches } from "../../src/engine/metric-filter.ts";
import type { Settings } from "../../src/engine/settings.ts";

const cls = (name: string) => MONITORED_CLASSES[name]!;
const covers = (pattern: string, name: string) => patternCovers(pattern, cls(name)).covers;

describe("metric filter pattern parser", () => {
  it("reads comparisons, quoted and bare values, wildcards, NOT EXISTS, IS, numbers", () => {
    const p = parseFilterPattern(
      '{ ($.a = "x y") && ($.b != bare) && $.c = pre* && $.d NOT EXISTS && $.e IS TRUE && $.f >= 2 && $.g[0].h = *mid* }',
    );
    expect(p.kind).toBe("json");
    const event = { a: "x y", b: "other", c: "prefix", e: true, f: 3, g: [{ h: "a-mid-b" }] };
    expect(patternMatches(p, event)).toBe(true);
    expect(patternMatches(p, { ...event, d: 1 })).toBe(false);
    expect(patternMatches(p, { ...event, b: "bare" })).toBe(false);
    expect(patternMatches(p, { ...event, c: "nope" })).toBe(false);
    expect(patternMatches(p, { ...event, f: 1 })).toBe(false);
    expect(patternMatches(p, { ...event, e: "true" })).toBe(false);
  });

  it("binds && tighter than ||, and parentheses override it", () => {
    const loose = parseFilterPattern("{ $.a = 1 || $.b = 1 && $.c = 1 }");
    expect(patternMatches(loose, { a: 1 })).toBe(true);
    expect(patternMatches(loose, { b: 1 })).toBe(false);
    const grouped = parseFilterPattern("{ ($.a = 1 || $.b = 1) && $.c = 1 }");
    expect(patternMatches(grouped, { a: 1 })).toBe(false);
    expect(patternMatches(grouped, { b: 1, c: 1 })).toBe(true);
  });

  it("supports %regex% values", () => {
    const p = parseFilterPattern("{ $.eventName = %^(Create|Delete)Trail$% }");
    expect(patternMatches(p, { eventName: "DeleteTrail" })).toBe(true);
    expect(patternMatches(p, { eventName: "UpdateTrail" })).toBe(false);
  });

  it("says why it cannot read a pattern, and treats the empty pattern as matching everything", () => {
    expect(parseFilterPattern('"ERROR" "timeout"')).toMatchObject({ kind: "unsupported" });
    expect(parseFilterPattern("{ $.a = }")).toMatchObject({ kind: "unsupported" });
    expect(parseFilterPattern("{ ($.a = 1 }")).toMatchObject({ kind: "unsupported" });
    expect(parseFilterPattern('{ $.a = "open }')).toMatchObject({ kind: "unsupported" });
    expect(parseFilterPattern("   ")).toEqual({ kind: "all" });
    expect(patternMatches(parseFilterPattern(""), { anything: 1 })).toBe(true);
  });
});

describe("coverage of the CIS monitored event classes", () => {
  it("accepts CIS 3.0's own pattern for every class", () => {
    for (const name of Object.keys(MONITORED_CLASSES)) {
      expect(patternCovers(CIS_FILTER_PATTERNS[name], cls(name)), name).toEqual({ covers: true });
    }
  });

  it("tolerates spacing, quoting, term order and redundant parentheses", () => {
    const base = CIS_FILTER_PATTERNS.cloudtrail_changes!;
    expect(covers(base.replace(/\s+/g, ""), "cloudtrail_changes")).toBe(true);
    expect(
      covers(
        '{$.eventName="StopLogging"||$.eventName = "DeleteTrail"||(($.eventName=UpdateTrail))||$.eventName=StartLogging||$.eventName=CreateTrail}',
        "cloudtrail_changes",
      ),
    ).toBe(true);
    expect(
      covers(
        "{ ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) && $.eventSource = kms.amazonaws.com }",
        "cmk_disable_or_deletion",
      ),
    ).toBe(true);
    expect(
      covers(
        "{ $.userIdentity.invokedBy NOT EXISTS && $.eventType != AwsServiceEvent && $.userIdentity.type = Root }",
        "root_usage",
      ),
    ).toBe(true);
  });

  it("accepts equivalent forms: older CIS versions, wildcards and regexes that still select only the class", () => {
    expect(
      covers(
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        "unauthorized_api_calls",
      ),
    ).toBe(true);
    expect(
      covers(
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        "sign_in_without_mfa",
      ),
    ).toBe(true);
    expect(
      covers(
        "{ $.eventName = %^(Create|Update|Delete)Trail$% || $.eventName = *Logging && $.eventSource = cloudtrail.amazonaws.com }",
        "cloudtrail_changes",
      ),
    ).toBe(true);
  });

  it("rejects over-broad patterns", () => {
    for (const broad of [
      "",
      "{ $.eventName = * }",
      "{ $.eventSource = ec2.amazonaws.com }",
      "{ $.eventVersion EXISTS }",
    ]) {
      const c = patternCovers(broad, cls("security_group_changes"));
      expect(c.covers, broad).toBe(false);
      if (!c.covers) expect(c.why).toContain("over-broad");
    }
    const withBroadOr = patternCovers(
      `{ ${CIS_FILTER_PATTERNS.vpc_changes!.slice(1, -1)} || $.readOnly IS TRUE }`,
      cls("vpc_changes"),
    );
    expect(withBroadOr).toMatchObject({ covers: false, why: expect.stringContaining("DescribeInstances") });
  });

  it("rejects unrelated and partial patterns, naming what they miss", () => {
    expect(patternCovers("{ $.eventName = DescribeInstances }", cls("vpc_changes"))).toEqual({
      covers: false,
      why: expect.stringContaining("over-broad"),
    });
    expect(patternCovers("{ $.eventName = RunInstances }", cls("vpc_changes"))).toEqual({
      covers: false,
      why: "it counts none of the changes to VPCs events",
    });
    const partial = patternCovers(
      "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) }",
      cls("cloudtrail_changes"),
    );
    expect(partial).toEqual({
      covers: false,
      why: expect.stringContaining("misses 3 of 5 events: DeleteTrail, StartLogging, StopLogging"),
    });
    // 4.2 without the MFA condition counts every console sign-in, MFA or not.
    expect(patternCovers("{ $.eventName = ConsoleLogin }", cls("sign_in_without_mfa"))).toMatchObject({
      covers: false,
    });
    // A root filter that forgot the root condition counts everyone.
    expect(patternCovers("{ $.userIdentity.invokedBy NOT EXISTS }", cls("root_usage"))).toMatchObject({
      covers: false,
    });
    expect(patternCovers('"ConsoleLogin"', cls("console_auth_failures"))).toMatchObject({
      covers: false,
      why: expect.stringContaining("not a JSON filter pattern"),
    });
  });
});

describe("the monitoring chain", () => {
  const account = "111122223333";
  const item = (
    type: string,
    id: string,
    configuration: object,
    supplementaryConfiguration: object = {},
    region = "us-east-1",
  ): ConfigurationItem => ({
    resourceType: type,
    resourceId: id,
    resourceName: id,
    arn: id.startsWith("arn:") ? id : `arn:aws:x:${region}:${account}:${id}`,
    accountId: account,
    awsRegion: region,
    configuration: configuration as Record<string, unknown>,
    supplementaryConfiguration: supplementaryConfiguration as Record<string, unknown>,
    tags: {},
    configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
  });
  const topicArn = `arn:aws:sns:us-east-1:${account}:alerts`;
  const chain = () => [
    item(
      "AWS::CloudTrail::Trail",
      "audit",
      {
        name: "audit",
        isMultiRegionTrail: true,
        cloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${account}:log-group:trail:*`,
      },
      {
        status: { isLogging: true },
        eventSelectors: { eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }] },
      },
    ),
    item("AWS::Logs::MetricFilter", "trail:root", {
      filterName: "root",
      logGroupName: "trail",
      filterPattern: CIS_FILTER_PATTERNS.root_usage,
      metricTransformations: [{ metricName: "Root", metricNamespace: "CIS" }],
    }),
    item("AWS::CloudWatch::Alarm", "root", {
      namespace: "CIS",
      metricName: "Root",
      alarmActions: [topicArn],
      actionsEnabled: true,
    }),
    item("AWS::SNS::Topic", topicArn, {}, { subscriptions: [{ protocol: "lambda", confirmed: true }] }),
  ];
  const accountItem = item("AWS::::Account", account, {}, {}, "global");
  const run = (
    items: ConfigurationItem[],
    gaps = [] as { service: string; region: string; accountId?: string; error: string }[],
  ) =>
    monitoringEvaluators.cloudwatchMonitoringChain!(
      accountItem,
      { eventClass: "root_usage" },
      createContext(items, {} as Settings, new Date(), gaps),
    );

  it("passes a complete chain", () => {
    expect(run(chain())).toMatchObject({ pass: true });
  });

  it("turns coverage gaps anywhere in the chain into ERROR, not FAIL", () => {
    const [trail, filter, alarm] = chain();
    expect(
      run([trail!], [{ service: "logs", region: "us-east-1", accountId: account, error: "AccessDenied" }]),
    ).toHaveProperty("error");
    expect(
      run([trail!, filter!], [{ service: "cloudwatch", region: "us-east-1", error: "AccessDenied" }]),
    ).toHaveProperty("error");
    expect(
      run([trail!, filter!, alarm!], [{ service: "sns", region: "us-east-1", error: "AccessDenied" }]),
    ).toHaveProperty("error");
    expect(run([], [{ service: "cloudtrail", region: "eu-west-1", error: "AccessDenied" }])).toHaveProperty(
      "error",
    );
    // The same inventories without gaps are broken chains.
    expect(run([trail!])).toMatchObject({
      pass: false,
      reason: expect.stringContaining('no metric filter on log group "trail"'),
    });
    expect(run([trail!, filter!])).toMatchObject({
      pass: false,
      reason: expect.stringContaining("no CloudWatch alarm watches metric CIS/Root"),
    });
    expect(run([trail!, filter!, alarm!])).toMatchObject({
      pass: false,
      reason: expect.stringContaining("does not exist"),
    });
  });

  it("rejects an unknown event class", () => {
    expect(
      monitoringEvaluators.cloudwatchMonitoringChain!(
        accountItem,
        { eventClass: "nope" },
        createContext([], {} as Settings, new Date()),
      ),
    ).toHaveProperty("error");
  });
});
