import { describe, expect, it } from "vitest";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { createContext } from "../../src/engine/evaluate.ts";
import {
  decidingEntry,
  networkEvaluators,
  normaliseProtocol,
  worldIngressEntries,
} from "../../src/engine/evaluators/network.ts";
import type { EvaluatorResult } from "../../src/engine/evaluators/types.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { SETTINGS_FILE } from "../../src/paths.ts";

const settings = await loadSettings(SETTINGS_FILE);
const NOW = new Date("2026-06-01T00:00:00Z");
const ctx = createContext([], settings, NOW);

function item(resourceType: string, configuration: Record<string, unknown>): ConfigurationItem {
  return {
    resourceType,
    resourceId: String(configuration.groupId ?? configuration.networkAclId ?? "r1"),
    arn: "arn:aws:ec2:us-east-1:111122223333:thing/r1",
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration,
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
  };
}

const sg = (ipPermissions: unknown[], extra: Record<string, unknown> = {}) =>
  item("AWS::EC2::SecurityGroup", { groupId: "sg-0test", groupName: "test", ipPermissions, ...extra });
const acl = (entries: unknown[]) => item("AWS::EC2::NetworkAcl", { networkAclId: "acl-0test", entries });

const ingress = networkEvaluators.securityGroupIngressOpen!;
const egress = networkEvaluators.securityGroupEgressOpen!;
const noRules = networkEvaluators.securityGroupHasNoRules!;
const nacl = networkEvaluators.networkAclIngressOpen!;

function verdict(result: EvaluatorResult): {
  pass: boolean;
  reason: string;
  evidence?: Record<string, unknown>;
} {
  if ("error" in result) throw new Error(`unexpected evaluator error: ${result.error}`);
  return result;
}

const world4 = (ipProtocol: string, fromPort?: number, toPort?: number) => ({
  ipProtocol,
  fromPort,
  toPort,
  ipRanges: [{ cidrIp: "0.0.0.0/0" }],
  ipv6Ranges: [],
  userIdGroupPairs: [],
  prefixListIds: [],
});
const world6 = (ipProtocol: string, fromPort?: number, toPort?: number) => ({
  ipProtocol,
  fromPort,
  toPort,
  ipRanges: [],
  ipv6Ranges: [{ cidrIpv6: "::/0" }],
});

describe("normaliseProtocol", () => {
  it("maps names and numbers to one vocabulary", () => {
    expect(normaliseProtocol("-1")).toBe("all");
    expect(normaliseProtocol(-1)).toBe("all");
    expect(normaliseProtocol("all")).toBe("all");
    expect(normaliseProtocol("6")).toBe("tcp");
    expect(normaliseProtocol("TCP")).toBe("tcp");
    expect(normaliseProtocol("17")).toBe("udp");
    expect(normaliseProtocol("1")).toBe("icmp");
    expect(normaliseProtocol("58")).toBe("icmpv6");
    expect(normaliseProtocol("50")).toBe("protocol 50");
  });
});

describe("securityGroupIngressOpen", () => {
  it("names the rule and the exposed port", () => {
    const r = verdict(ingress(sg([world4("tcp", 0, 65535)]), { ports: [22] }, ctx));
    expect(r.pass).toBe(false);
    expect(r.reason).toContain("ingress rule tcp 0-65535 from 0.0.0.0/0 exposes port 22");
    expect(r.evidence).toEqual({
      "configuration.ipPermissions": [{ rule: "ingress rule tcp 0-65535 from 0.0.0.0/0", ports: [22] }],
    });
  });

  it("treats protocol -1 as every port, and a range spanning the port as covering it", () => {
    expect(verdict(ingress(sg([world4("-1")]), { ports: [22] }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([world4("tcp", 20, 25)]), { ports: [22] }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([world4("tcp", 23, 25)]), { ports: [22] }, ctx)).pass).toBe(true);
    expect(verdict(ingress(sg([world4("tcp", 1, 21)]), { ports: [22] }, ctx)).pass).toBe(true);
  });

  it("counts UDP but not ICMP or other protocols", () => {
    expect(verdict(ingress(sg([world4("udp", 3389, 3389)]), { ports: [3389] }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([world4("icmp", 8, -1)]), { ports: [8] }, ctx)).pass).toBe(true);
    expect(verdict(ingress(sg([world4("50")]), { ports: [22] }, ctx)).pass).toBe(true);
  });

  it("reads a TCP rule without bounds as all ports", () => {
    expect(verdict(ingress(sg([world4("tcp")]), { ports: [22] }, ctx)).pass).toBe(false);
  });

  it("PASS reason names the ports, the range and the number of rules read", () => {
    const r = verdict(
      ingress(
        sg([
          world4("tcp", 443, 443),
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: [{ cidrIp: "10.0.0.0/8" }] },
          {
            ipProtocol: "-1",
            userIdGroupPairs: [{ groupId: "sg-0other" }],
            prefixListIds: [{ prefixListId: "pl-1" }],
          },
        ]),
        { portsFrom: "adminPorts", family: "ipv4" },
        ctx,
      ),
    );
    expect(r).toEqual({
      pass: true,
      reason: "no ingress rule exposes ports 22, 3389 to 0.0.0.0/0 (4 rules read)",
    });
  });

  it("never takes a security group or a prefix list for the internet", () => {
    const r = verdict(
      ingress(
        sg([
          {
            ipProtocol: "-1",
            userIdGroupPairs: [{ groupId: "sg-0test" }, { groupId: "sg-0peer", userId: "444455556666" }],
            prefixListIds: [{ prefixListId: "pl-0corp" }],
          },
        ]),
        { allPorts: true },
        ctx,
      ),
    );
    expect(r.pass).toBe(true);
  });

  it("filters by address family", () => {
    const v6 = sg([world6("tcp", 22, 22)]);
    expect(verdict(ingress(v6, { ports: [22], family: "ipv4" }, ctx)).pass).toBe(true);
    expect(verdict(ingress(v6, { ports: [22], family: "ipv6" }, ctx)).pass).toBe(false);
    expect(verdict(ingress(v6, { ports: [22] }, ctx)).pass).toBe(false);
    const v4 = sg([world4("tcp", 22, 22)]);
    expect(verdict(ingress(v4, { ports: [22], family: "ipv6" }, ctx)).pass).toBe(true);
  });

  it("recognises any spelling of the whole internet, but not a half of it", () => {
    const rule = (cidrIp: string) => ({
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      ipRanges: [{ cidrIp }],
    });
    expect(verdict(ingress(sg([rule("0.0.0.0/00")]), { ports: [22] }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([rule("0.0.0.0/1")]), { ports: [22] }, ctx)).pass).toBe(true);
    const v6 = { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipv6Ranges: [{ cidrIpv6: "0:0::0/0" }] };
    expect(verdict(ingress(sg([v6]), { ports: [22] }, ctx)).pass).toBe(false);
  });

  it("lists every exposed port of a list and summarises long lists", () => {
    const r = verdict(ingress(sg([world4("tcp", 1, 10000)]), { portsFrom: "riskyPorts" }, ctx));
    expect(r.pass).toBe(false);
    expect(r.reason).toContain("exposes ports 20, 21, 23, 25, 110, 135 and 18 more");
    expect(r.reason).toContain("any of the 27 riskyPorts (20, 21, 23, 25, 110, …)");
  });

  it("allPorts fails only on all traffic or the whole TCP/UDP range", () => {
    expect(verdict(ingress(sg([world4("-1")]), { allPorts: true }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([world4("tcp", 0, 65535)]), { allPorts: true }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([world4("udp", 1, 65535)]), { allPorts: true }, ctx)).pass).toBe(false);
    expect(verdict(ingress(sg([world4("tcp", 2, 65535)]), { allPorts: true }, ctx)).pass).toBe(true);
    expect(verdict(ingress(sg([world4("icmp", -1, -1)]), { allPorts: true }, ctx)).pass).toBe(true);
    const r = verdict(ingress(sg([world6("-1")]), { allPorts: true }, ctx));
    expect(r.reason).toContain("ingress rule all traffic from ::/0 opens every port to the internet");
  });

  it("answers an error for bad params and for unreadable rules", () => {
    expect(ingress(sg([]), {}, ctx)).toEqual({ error: expect.stringContaining("params") });
    expect(ingress(sg([]), { portsFrom: "nope" }, ctx)).toEqual({ error: expect.stringContaining("nope") });
    expect(ingress(sg([]), { portsFrom: "imdsMaxHopLimit" }, ctx)).toEqual({
      error: expect.stringContaining("not a non-empty list of port numbers"),
    });
    expect(ingress(sg([]), { ports: [22], family: "ipv5" }, ctx)).toEqual({
      error: expect.stringContaining("ipv5"),
    });
    const unreadable = sg([], { ipPermissions: { $error: { code: "AccessDenied", message: "no" } } });
    expect(ingress(unreadable, { ports: [22] }, ctx)).toEqual({
      error: expect.stringContaining("AccessDenied"),
    });
  });

  it("treats a group without ipPermissions as having no rules", () => {
    const r = verdict(ingress(item("AWS::EC2::SecurityGroup", { groupId: "sg-1" }), { ports: [22] }, ctx));
    expect(r.pass).toBe(true);
    expect(r.reason).toContain("(0 rules read)");
  });
});

describe("securityGroupEgressOpen", () => {
  const withEgress = (ipPermissionsEgress: unknown[]) =>
    item("AWS::EC2::SecurityGroup", { groupId: "sg-0e", ipPermissions: [world4("-1")], ipPermissionsEgress });

  it("reads the egress rules, not the ingress ones", () => {
    const r = verdict(egress(withEgress([world4("tcp", 443, 443)]), { allPorts: true }, ctx));
    expect(r).toEqual({
      pass: true,
      reason: "no egress rule lets all ports out to 0.0.0.0/0 or ::/0 (1 rule read)",
    });
  });

  it("fails on the allow-all outbound rule AWS creates", () => {
    const r = verdict(egress(withEgress([world4("-1")]), { allPorts: true }, ctx));
    expect(r.pass).toBe(false);
    expect(r.reason).toContain("egress rule all traffic to 0.0.0.0/0 lets every port out to the internet");
  });
});

describe("securityGroupHasNoRules", () => {
  it("fails on the self-referencing rule alone and names it", () => {
    const group = item("AWS::EC2::SecurityGroup", {
      groupId: "sg-0def",
      groupName: "default",
      ipPermissions: [{ ipProtocol: "-1", userIdGroupPairs: [{ groupId: "sg-0def" }] }],
      ipPermissionsEgress: [],
    });
    const r = verdict(noRules(group, {}, ctx));
    expect(r.pass).toBe(false);
    expect(r.reason).toContain("1 inbound rule and 0 outbound rules");
    expect(r.reason).toContain("ingress rule all traffic from sg-0def (this group)");
  });

  it("passes when both directions are empty or missing", () => {
    const group = item("AWS::EC2::SecurityGroup", {
      groupId: "sg-0def",
      groupName: "default",
      ipPermissions: [],
    });
    expect(verdict(noRules(group, {}, ctx)).pass).toBe(true);
  });
});

describe("network ACL evaluation order", () => {
  const entry = (
    ruleNumber: number,
    ruleAction: "allow" | "deny",
    protocol: string,
    cidr: string,
    portRange?: { from: number; to: number },
    egress = false,
  ) => ({
    ruleNumber,
    ruleAction,
    protocol,
    egress,
    ...(cidr.includes(":") ? { ipv6CidrBlock: cidr } : { cidrBlock: cidr }),
    ...(portRange ? { portRange } : {}),
  });

  it("sorts by rule number and lets the first match decide", () => {
    const entries = worldIngressEntries(
      [
        entry(100, "allow", "6", "0.0.0.0/0", { from: 0, to: 65535 }),
        entry(90, "deny", "6", "0.0.0.0/0", { from: 22, to: 22 }),
      ],
      "ipv4",
    );
    expect(entries.map((e) => e.ruleNumber)).toEqual([90, 100]);
    expect(decidingEntry(entries, "tcp", 22)?.ruleNumber).toBe(90);
    expect(decidingEntry(entries, "tcp", 80)?.ruleNumber).toBe(100);
    expect(decidingEntry(entries, "udp", 22)).toBeUndefined();
  });

  it("ignores egress entries, narrower ranges and the other address family", () => {
    const entries = worldIngressEntries(
      [
        entry(10, "allow", "-1", "0.0.0.0/0", undefined, true),
        entry(20, "deny", "6", "198.51.100.0/24", { from: 22, to: 22 }),
        entry(30, "allow", "6", "::/0", { from: 22, to: 22 }),
      ],
      "ipv4",
    );
    expect(entries).toEqual([]);
  });

  it("protocol -1 ignores any port range it carries", () => {
    const entries = worldIngressEntries(
      [entry(100, "allow", "-1", "0.0.0.0/0", { from: 443, to: 443 })],
      "ipv4",
    );
    expect(decidingEntry(entries, "tcp", 22)?.ruleNumber).toBe(100);
  });

  it("a lower deny shadows the allow, and the PASS reason says so", () => {
    const r = verdict(
      nacl(
        acl([
          entry(100, "allow", "6", "0.0.0.0/0", { from: 0, to: 65535 }),
          entry(90, "deny", "6", "0.0.0.0/0", { from: 22, to: 22 }),
        ]),
        { ports: [22] },
        ctx,
      ),
    );
    expect(r.pass).toBe(true);
    expect(r.reason).toBe(
      "no ingress entry lets port 22 in from 0.0.0.0/0 or ::/0 (2 ingress entries read in rule-number order; " +
        "ingress entry 90 (deny tcp 22 from 0.0.0.0/0) comes before ingress entry 100 (allow tcp 0-65535 from 0.0.0.0/0))",
    );
  });

  it("a higher deny comes too late", () => {
    const r = verdict(
      nacl(
        acl([
          entry(100, "allow", "6", "0.0.0.0/0", { from: 22, to: 22 }),
          entry(200, "deny", "6", "0.0.0.0/0", { from: 22, to: 22 }),
        ]),
        { ports: [22] },
        ctx,
      ),
    );
    expect(r.pass).toBe(false);
    expect(r.reason).toContain("ingress entry 100 (allow tcp 22 from 0.0.0.0/0) admits tcp port 22");
    expect(r.evidence).toEqual({
      "configuration.entries": ["ingress entry 100 (allow tcp 22 from 0.0.0.0/0)"],
    });
  });

  it("a deny for part of the internet does not protect the rest", () => {
    const r = verdict(
      nacl(
        acl([
          entry(50, "deny", "6", "198.51.100.0/24", { from: 22, to: 22 }),
          entry(100, "allow", "6", "0.0.0.0/0", { from: 22, to: 22 }),
        ]),
        { ports: [22] },
        ctx,
      ),
    );
    expect(r.pass).toBe(false);
  });

  it("judges IPv4 and IPv6 entries separately", () => {
    const entries = [
      entry(10, "deny", "-1", "0.0.0.0/0"),
      entry(20, "allow", "6", "::/0", { from: 22, to: 22 }),
    ];
    expect(verdict(nacl(acl(entries), { ports: [22], family: "ipv4" }, ctx)).pass).toBe(true);
    const r = verdict(nacl(acl(entries), { ports: [22] }, ctx));
    expect(r.pass).toBe(false);
    expect(r.reason).toContain("ingress entry 20 (allow tcp 22 from ::/0) admits tcp port 22");
  });

  it("a TCP deny leaves UDP to the later allow-all, grouped per entry", () => {
    const r = verdict(
      nacl(
        acl([
          entry(90, "deny", "6", "0.0.0.0/0", { from: 22, to: 22 }),
          entry(91, "deny", "6", "0.0.0.0/0", { from: 3389, to: 3389 }),
          entry(100, "allow", "-1", "0.0.0.0/0"),
        ]),
        { portsFrom: "adminPorts" },
        ctx,
      ),
    );
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(
      /^ingress entry 100 \(allow all traffic from 0\.0\.0\.0\/0\) admits udp ports 22, 3389; expected/,
    );
  });

  it("no matching entry means the implicit deny", () => {
    expect(verdict(nacl(acl([]), { ports: [22] }, ctx)).pass).toBe(true);
  });

  it("allTraffic: the first all-protocol entry from the internet decides", () => {
    const shadowed = acl([entry(100, "allow", "-1", "0.0.0.0/0"), entry(50, "deny", "-1", "0.0.0.0/0")]);
    const s = verdict(nacl(shadowed, { allTraffic: true }, ctx));
    expect(s.pass).toBe(true);
    expect(s.reason).toContain(
      "ingress entry 50 (deny all traffic from 0.0.0.0/0) comes before ingress entry 100",
    );

    const partial = acl([
      entry(90, "deny", "6", "0.0.0.0/0", { from: 22, to: 22 }),
      entry(100, "allow", "-1", "0.0.0.0/0"),
    ]);
    const p = verdict(nacl(partial, { allTraffic: true }, ctx));
    expect(p.pass).toBe(false);
    expect(p.reason).toContain(
      "ingress entry 100 (allow all traffic from 0.0.0.0/0) admits every protocol and port",
    );

    const v6only = acl([entry(101, "allow", "-1", "::/0")]);
    expect(verdict(nacl(v6only, { allTraffic: true, family: "ipv4" }, ctx)).pass).toBe(true);
    expect(verdict(nacl(v6only, { allTraffic: true }, ctx)).pass).toBe(false);
  });

  it("answers an error for unreadable entries", () => {
    const broken = item("AWS::EC2::NetworkAcl", {
      entries: { $error: { code: "Throttling", message: "slow down" } },
    });
    expect(nacl(broken, { ports: [22] }, ctx)).toEqual({ error: expect.stringContaining("Throttling") });
  });
});
