import { z } from "zod";
import type { FieldState, PlannedCall } from "../../../src/domain/remediation.ts";
import { lowerCamelKeys } from "../../../src/domain/shape.ts";
import { isWorld } from "../../../src/engine/cidr.ts";
import { normaliseProtocol } from "../../../src/engine/evaluators/network.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

const family = z.enum(["ipv4", "ipv6", "any"]);
const selector = z
  .object({
    /** Ports that must not be open to the internet. */
    ports: z.array(z.number().int().min(0).max(65535)).min(1).optional(),
    /** Rules that open every port (all traffic, or TCP/UDP 0/1-65535). */
    allPorts: z.boolean().optional(),
    family: family.default("any"),
  })
  .strict()
  .refine((s) => s.allPorts === true || (s.ports?.length ?? 0) > 0, "give ports or allPorts: true");
const params = z.object({ targets: z.array(selector).min(1).optional() }).strict();
type Params = z.infer<typeof params>;
type Selector = z.infer<typeof selector>;

interface Permission {
  ipProtocol?: string;
  fromPort?: number;
  toPort?: number;
  ipRanges?: { cidrIp?: string; description?: string }[];
  ipv6Ranges?: { cidrIpv6?: string; description?: string }[];
}

/** One world-open source of one rule, as the plan records it. */
interface WorldRule {
  present: true;
  ipProtocol: string;
  fromPort: number | null;
  toPort: number | null;
  cidr: string;
  description: string | null;
}

function portRange(p: Permission): [number, number] | undefined {
  const proto = normaliseProtocol(p.ipProtocol);
  if (proto === "all") return [0, 65535];
  if (proto !== "tcp" && proto !== "udp") return undefined;
  const lo = typeof p.fromPort === "number" && p.fromPort >= 0 ? p.fromPort : 0;
  const hi = typeof p.toPort === "number" && p.toPort >= 0 ? p.toPort : 65535;
  return [lo, hi];
}

function offends(p: Permission, v6: boolean, selectors: readonly Selector[]): boolean {
  const range = portRange(p);
  if (!range) return false;
  return selectors.some((s) => {
    if (s.family === "ipv4" && v6) return false;
    if (s.family === "ipv6" && !v6) return false;
    if (s.allPorts) return range[0] <= 1 && range[1] >= 65535;
    return (s.ports ?? []).some((port) => port >= range[0] && port <= range[1]);
  });
}

const keyOf = (r: Pick<WorldRule, "ipProtocol" | "fromPort" | "toPort" | "cidr">) =>
  `${normaliseProtocol(r.ipProtocol)} ${r.fromPort ?? "*"}-${r.toPort ?? "*"} from ${r.cidr}`;

/** The world-open sources of the permissions, keyed; only those the selectors name when given. */
function worldRules(permissions: Permission[], selectors?: readonly Selector[]): Map<string, WorldRule> {
  const out = new Map<string, WorldRule>();
  for (const p of permissions) {
    const base = {
      present: true as const,
      ipProtocol: String(p.ipProtocol ?? "-1"),
      fromPort: typeof p.fromPort === "number" ? p.fromPort : null,
      toPort: typeof p.toPort === "number" ? p.toPort : null,
    };
    for (const r of p.ipRanges ?? []) {
      if (!r.cidrIp || !isWorld(r.cidrIp) || (selectors && !offends(p, false, selectors))) continue;
      const rule = { ...base, cidr: r.cidrIp, description: r.description ?? null };
      out.set(keyOf(rule), rule);
    }
    for (const r of p.ipv6Ranges ?? []) {
      if (!r.cidrIpv6 || !isWorld(r.cidrIpv6) || (selectors && !offends(p, true, selectors))) continue;
      const rule = { ...base, cidr: r.cidrIpv6, description: r.description ?? null };
      out.set(keyOf(rule), rule);
    }
  }
  return out;
}

/** The SDK IpPermissions for a set of world rules, one permission per (protocol, ports). */
function ipPermissions(rules: WorldRule[], withDescriptions: boolean): Record<string, unknown>[] {
  const grouped = new Map<string, Record<string, unknown> & { IpRanges: object[]; Ipv6Ranges: object[] }>();
  for (const r of rules) {
    const k = `${r.ipProtocol}|${r.fromPort}|${r.toPort}`;
    let perm = grouped.get(k);
    if (!perm) {
      perm = { IpProtocol: r.ipProtocol, IpRanges: [], Ipv6Ranges: [] };
      if (normaliseProtocol(r.ipProtocol) !== "all") {
        if (r.fromPort !== null) perm.FromPort = r.fromPort;
        if (r.toPort !== null) perm.ToPort = r.toPort;
      }
      grouped.set(k, perm);
    }
    const description = withDescriptions && r.description ? { Description: r.description } : {};
    if (r.cidr.includes(":")) perm.Ipv6Ranges.push({ CidrIpv6: r.cidr, ...description });
    else perm.IpRanges.push({ CidrIp: r.cidr, ...description });
  }
  return [...grouped.values()].map((p) => {
    const out: Record<string, unknown> = { ...p };
    if (p.IpRanges.length === 0) delete out.IpRanges;
    if (p.Ipv6Ranges.length === 0) delete out.Ipv6Ranges;
    return out;
  });
}

function revokeCall(groupId: string, region: string, rules: WorldRule[]): PlannedCall {
  return {
    service: "ec2",
    operation: "RevokeSecurityGroupIngress",
    region,
    input: { GroupId: groupId, IpPermissions: ipPermissions(rules, false) },
  };
}

/** Default selectors: the ports and families of the failing security group checks. */
function selectorsFromChecks(
  ctx: Parameters<NonNullable<RemediationAction["defaultParams"]>>[0],
): Selector[] {
  const out: Selector[] = [];
  for (const check of ctx.checks) {
    const pass = check.pass as { evaluator?: string; params?: Record<string, unknown> };
    if (pass.evaluator !== "securityGroupIngressOpen") continue;
    const p = pass.params ?? {};
    const fam = family.safeParse(p.family ?? "any");
    const selected: Selector = { family: fam.success ? fam.data : "any" };
    if (p.allPorts === true) selected.allPorts = true;
    else if (typeof p.portsFrom === "string") {
      const list = (ctx.settings as Record<string, unknown>)[p.portsFrom];
      if (Array.isArray(list)) selected.ports = list.filter((n): n is number => typeof n === "number");
    } else if (Array.isArray(p.ports))
      selected.ports = p.ports.filter((n): n is number => typeof n === "number");
    if (selected.allPorts || selected.ports?.length) out.push(selected);
  }
  return out;
}

/**
 * Revokes the ingress rules that open the offending ports to 0.0.0.0/0 or ::/0. Only the world sources of those
 * rules go: the same port from other CIDRs, security groups or prefix lists, and every other rule, stay.
 */
export const ec2RevokeWorldIngress: RemediationAction<Params> = {
  id: "ec2_revoke_world_ingress",
  title: "Revoke internet-wide ingress on the offending ports",
  description:
    "Revokes the security group's ingress rules that open the offending ports to 0.0.0.0/0 or ::/0. Rules from " +
    "other sources and rules on other ports are left as they are.",
  resourceTypes: ["AWS::EC2::SecurityGroup"],
  fixes: [
    "ec2_securitygroup_no_ingress_ssh_world",
    "ec2_securitygroup_no_ingress_rdp_world",
    "ec2_securitygroup_no_ingress_admin_ports_ipv4",
    "ec2_securitygroup_no_ingress_admin_ports_ipv6",
    "ec2_securitygroup_no_ingress_all_ports_world",
    "ec2_securitygroup_no_ingress_risky_ports_world",
  ],
  risk: "high",
  reversible: true,
  rollbackNote:
    "Reversible: the revoked rules were captured (protocol, ports, CIDR, description) and are authorised again.",
  operations: {
    write: ["ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress"],
    read: ["ec2:DescribeSecurityGroups"],
  },
  params: params as z.ZodType<Params>,
  defaultParams(ctx) {
    const targets = selectorsFromChecks(ctx);
    return targets.length > 0 ? { targets } : {};
  },
  plan(item, p) {
    if (!p.targets?.length) {
      throw new PlanError("no ports to close: give params.targets (ports or allPorts, with a family)");
    }
    const permissions = readable(item.configuration.ipPermissions, "the group's ingress rules") as
      | Permission[]
      | undefined;
    const offending = [...worldRules(permissions ?? [], p.targets).values()];
    if (offending.length === 0)
      throw new PlanError("no ingress rule opens the selected ports to the internet");
    const target = targetOf(item);
    const before: FieldState = Object.fromEntries(offending.map((r) => [keyOf(r), r]));
    const after: FieldState = Object.fromEntries(offending.map((r) => [keyOf(r), { present: false }]));
    return {
      target,
      calls: [revokeCall(target.resourceId, target.region, offending)],
      before,
      after,
      notes: [
        "Clients that reach these ports over the internet lose access; give them a narrower CIDR, a VPN or Session Manager first.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "ec2",
      operation: "DescribeSecurityGroups",
      region: plan.target.region,
      input: { GroupIds: [plan.target.resourceId] },
    });
    const groups = lowerCamelKeys<{ ipPermissions?: Permission[] }[]>(answer.SecurityGroups ?? []);
    const present = worldRules(groups[0]?.ipPermissions ?? []);
    return Object.fromEntries(Object.keys(plan.before).map((k) => [k, present.get(k) ?? { present: false }]));
  },
  remainingCalls(plan, current) {
    const still = Object.entries(current)
      .filter(([, v]) => (v as { present?: boolean }).present === true)
      .map(([, v]) => v as WorldRule);
    return still.length > 0 ? [revokeCall(plan.target.resourceId, plan.target.region, still)] : [];
  },
  rollback(plan, prior) {
    const rules = Object.values(prior).filter(
      (v): v is WorldRule => (v as { present?: boolean }).present === true,
    );
    if (rules.length === 0) return { calls: [] };
    return {
      calls: [
        {
          service: "ec2",
          operation: "AuthorizeSecurityGroupIngress",
          region: plan.target.region,
          input: { GroupId: plan.target.resourceId, IpPermissions: ipPermissions(rules, true) },
        },
      ],
    };
  },
};
