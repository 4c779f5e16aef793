/**
 * Network exposure: security group rules and network ACL entries read the way AWS applies them.
 *
 * "The internet" is a range with prefix length 0 (`0.0.0.0/0`, `::/0`). A rule whose source is another security
 * group or a managed prefix list is never the internet. Port questions cover TCP and UDP (CIS counts both, and RDP
 * and several risky services also listen on UDP); protocol `-1` covers every port of every protocol.
 */
import { isCallError } from "../../domain/shape.ts";
import { isWorld } from "../cidr.ts";
import type { EvaluationContext, Evaluator, EvaluatorResult } from "./types.ts";

export type Family = "ipv4" | "ipv6" | "any";
type Proto = "tcp" | "udp";
const PORT_PROTOCOLS: readonly Proto[] = ["tcp", "udp"];

// ---------------------------------------------------------------------------------------------------------------
// Parameters

interface PortSelection {
  ports: number[];
  /** How the ports are named in reasons: "port 22", "ports 22, 3389", "27 riskyPorts (20, 21, …)". */
  label: string;
}

/** `ports: [22]` or `portsFrom: adminPorts` (a list of ports in the settings). */
export function resolvePorts(params: Record<string, unknown>, ctx: EvaluationContext): PortSelection {
  const { ports, portsFrom } = params;
  let list: unknown;
  let source: string | undefined;
  if (portsFrom !== undefined) {
    if (typeof portsFrom !== "string" || !(portsFrom in ctx.settings)) {
      throw new Problem(
        `params.portsFrom: "${String(portsFrom)}" is not a setting; known: ${Object.keys(ctx.settings).join(", ")}`,
      );
    }
    list = ctx.settings[portsFrom as keyof typeof ctx.settings];
    source = portsFrom;
  } else {
    list = ports;
  }
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((p) => Number.isInteger(p) && p >= 0 && p <= 65535)
  ) {
    throw new Problem(
      source
        ? `setting ${source} is not a non-empty list of port numbers`
        : "params: give ports (a list of port numbers) or portsFrom (the name of a port-list setting)",
    );
  }
  const sorted = [...new Set(list as number[])].sort((a, b) => a - b);
  return { ports: sorted, label: portsLabel(sorted, source) };
}

function portsLabel(ports: number[], source?: string): string {
  if (ports.length === 1) return `port ${ports[0]}`;
  if (ports.length <= 6) return `ports ${ports.join(", ")}`;
  return `any of the ${ports.length} ${source ?? "ports"} (${ports.slice(0, 5).join(", ")}, …)`;
}

export function resolveFamily(params: Record<string, unknown>): Family {
  const family = params.family ?? "any";
  if (family === "ipv4" || family === "ipv6" || family === "any") return family;
  throw new Problem(`params.family: "${String(family)}" is not one of ipv4, ipv6, any`);
}

function worldLabel(family: Family): string {
  return family === "ipv4" ? "0.0.0.0/0" : family === "ipv6" ? "::/0" : "0.0.0.0/0 or ::/0";
}

function listOrEmpty(value: unknown, field: string): unknown[] {
  if (isCallError(value))
    throw new Problem(`could not read ${field}: ${value.$error.code} (${value.$error.message})`);
  return Array.isArray(value) ? value : [];
}

/** A value the collector could not read, or bad params: the evaluator answers `{ error }` (an ERROR finding). */
class Problem extends Error {}

function guard(run: () => EvaluatorResult): EvaluatorResult {
  try {
    return run();
  } catch (error) {
    if (error instanceof Problem) return { error: error.message };
    throw error;
  }
}

function compactPorts(ports: number[]): string {
  if (ports.length <= 6) return ports.join(", ");
  return `${ports.slice(0, 6).join(", ")} and ${ports.length - 6} more`;
}

// ---------------------------------------------------------------------------------------------------------------
// Security groups

interface SgPermission {
  ipProtocol?: string | number;
  fromPort?: number | null;
  toPort?: number | null;
  ipRanges?: { cidrIp?: string }[];
  ipv6Ranges?: { cidrIpv6?: string }[];
  userIdGroupPairs?: { groupId?: string; userId?: string }[];
  prefixListIds?: { prefixListId?: string }[];
}

type Protocol = "all" | Proto | "icmp" | "icmpv6" | `protocol ${string}`;

/** `-1`/`all` → all, `6` → tcp, `17` → udp, `1` → icmp, `58` → icmpv6. */
export function normaliseProtocol(value: unknown): Protocol {
  const p = String(value ?? "-1").toLowerCase();
  if (p === "-1" || p === "all") return "all";
  if (p === "6" || p === "tcp") return "tcp";
  if (p === "17" || p === "udp") return "udp";
  if (p === "1" || p === "icmp") return "icmp";
  if (p === "58" || p === "icmpv6") return "icmpv6";
  return `protocol ${p}`;
}

/** The port range a rule opens for TCP/UDP, or undefined when the rule opens no TCP/UDP port. */
function portRange(protocol: Protocol, from: unknown, to: unknown): [number, number] | undefined {
  if (protocol === "all") return [0, 65535];
  if (protocol !== "tcp" && protocol !== "udp") return undefined;
  // A missing or -1 bound on a TCP/UDP rule means no bound.
  const lo = typeof from === "number" && from >= 0 ? from : 0;
  const hi = typeof to === "number" && to >= 0 ? to : 65535;
  return [lo, hi];
}

/** Every port (1-65535; port 0 is not connectable) of TCP or UDP, or all traffic. */
function coversAllPorts(range: [number, number] | undefined): boolean {
  return !!range && range[0] <= 1 && range[1] >= 65535;
}

function describeTraffic(protocol: Protocol, range: [number, number] | undefined): string {
  if (protocol === "all") return "all traffic";
  if (!range) return protocol;
  return range[0] === range[1] ? `${protocol} ${range[0]}` : `${protocol} ${range[0]}-${range[1]}`;
}

type Direction = "ingress" | "egress";

interface SgRule {
  protocol: Protocol;
  range: [number, number] | undefined;
  /** The CIDR, group id or prefix list id. */
  peer: string;
  kind: "cidr4" | "cidr6" | "group" | "prefixList";
  text: string;
}

/** One rule per source, as the console lists them. */
export function securityGroupRules(
  permission: SgPermission,
  direction: Direction,
  selfId?: string,
): SgRule[] {
  const protocol = normaliseProtocol(permission.ipProtocol);
  const range = portRange(protocol, permission.fromPort, permission.toPort);
  const traffic = describeTraffic(protocol, range);
  const word = direction === "ingress" ? "from" : "to";
  const rules: SgRule[] = [];
  const add = (peer: string, kind: SgRule["kind"], shown = peer) =>
    rules.push({ protocol, range, peer, kind, text: `${direction} rule ${traffic} ${word} ${shown}` });
  for (const r of permission.ipRanges ?? []) if (r.cidrIp) add(r.cidrIp, "cidr4");
  for (const r of permission.ipv6Ranges ?? []) if (r.cidrIpv6) add(r.cidrIpv6, "cidr6");
  for (const g of permission.userIdGroupPairs ?? []) {
    const id = g.groupId ?? "another security group";
    add(id, "group", id === selfId ? `${id} (this group)` : `security group ${id}`);
  }
  for (const p of permission.prefixListIds ?? []) {
    const id = p.prefixListId ?? "a prefix list";
    add(id, "prefixList", `prefix list ${id}`);
  }
  return rules;
}

function isWorldRule(rule: SgRule, family: Family): boolean {
  if (rule.kind === "cidr4") return family !== "ipv6" && isWorld(rule.peer);
  if (rule.kind === "cidr6") return family !== "ipv4" && isWorld(rule.peer);
  return false;
}

function securityGroupExposure(direction: Direction): Evaluator {
  const field = direction === "ingress" ? "ipPermissions" : "ipPermissionsEgress";
  return (item, params, ctx) =>
    guard(() => {
      const fam = resolveFamily(params);
      const allPorts = params.allPorts === true;
      const selection = allPorts ? undefined : resolvePorts(params, ctx);

      const permissions = listOrEmpty(item.configuration[field], `configuration.${field}`) as SgPermission[];
      const selfId = item.configuration.groupId as string | undefined;
      const rules = permissions.flatMap((p) => securityGroupRules(p, direction, selfId));
      const world = worldLabel(fam);
      const offending: { rule: string; ports?: number[] }[] = [];
      for (const rule of rules) {
        if (!isWorldRule(rule, fam)) continue;
        if (allPorts) {
          if (coversAllPorts(rule.range)) offending.push({ rule: rule.text });
          continue;
        }
        const range = rule.range;
        if (!range) continue;
        const hit = selection!.ports.filter((p) => p >= range[0] && p <= range[1]);
        if (hit.length > 0) offending.push({ rule: rule.text, ports: hit });
      }
      const read = `${rules.length} rule${rules.length === 1 ? "" : "s"} read`;
      if (offending.length === 0) {
        const what = allPorts
          ? direction === "ingress"
            ? "opens all ports"
            : "lets all ports out"
          : `exposes ${selection!.label}`;
        return { pass: true, reason: `no ${direction} rule ${what} to ${world} (${read})` };
      }
      const lines = offending.map((o) =>
        allPorts
          ? `${o.rule} ${direction === "ingress" ? "opens every port to the internet" : "lets every port out to the internet"}`
          : `${o.rule} exposes port${o.ports!.length === 1 ? "" : "s"} ${compactPorts(o.ports!)}`,
      );
      const expected = allPorts
        ? `no ${direction} rule of all traffic or all ports to ${world}`
        : `no ${direction} rule that opens ${selection!.label} to ${world}`;
      return {
        pass: false,
        reason: `${lines.join("; ")}; expected ${expected}`,
        evidence: { [`configuration.${field}`]: offending },
      };
    });
}

/** The VPC's default group must carry no rule at all, so that nothing placed in it by default gets access. */
const securityGroupHasNoRules: Evaluator = (item) =>
  guard(() => {
    const selfId = item.configuration.groupId as string | undefined;
    const inbound = listOrEmpty(
      item.configuration.ipPermissions,
      "configuration.ipPermissions",
    ) as SgPermission[];
    const outbound = listOrEmpty(
      item.configuration.ipPermissionsEgress,
      "configuration.ipPermissionsEgress",
    ) as SgPermission[];
    const inRules = inbound.flatMap((p) => securityGroupRules(p, "ingress", selfId));
    const outRules = outbound.flatMap((p) => securityGroupRules(p, "egress", selfId));
    const name = `security group "${String(item.configuration.groupName ?? "")}" (${selfId ?? item.resourceId})`;
    if (inRules.length === 0 && outRules.length === 0) {
      return { pass: true, reason: `${name} has no inbound and no outbound rules; expected none` };
    }
    const count = (n: number, word: string) => `${n} ${word} rule${n === 1 ? "" : "s"}`;
    const list = [...inRules, ...outRules].slice(0, 6).map((r) => r.text);
    return {
      pass: false,
      reason:
        `${name} has ${count(inRules.length, "inbound")} and ${count(outRules.length, "outbound")} ` +
        `(${list.join("; ")}${inRules.length + outRules.length > 6 ? "; …" : ""}); expected no rules at all`,
      evidence: {
        "configuration.ipPermissions": inRules.map((r) => r.text),
        "configuration.ipPermissionsEgress": outRules.map((r) => r.text),
      },
    };
  });

// ---------------------------------------------------------------------------------------------------------------
// Network ACLs

interface AclEntry {
  ruleNumber?: number;
  protocol?: string | number;
  ruleAction?: string;
  egress?: boolean;
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from?: number; to?: number } | null;
}

interface WorldEntry {
  ruleNumber: number;
  allow: boolean;
  protocol: Protocol;
  range: [number, number] | undefined;
  cidr: string;
  text: string;
}

function describeEntry(e: WorldEntry): string {
  return `ingress entry ${e.ruleNumber} (${e.allow ? "allow" : "deny"} ${describeTraffic(e.protocol, e.range)} from ${e.cidr})`;
}

/** Ingress entries from the whole internet of one address family, in evaluation order (lowest number first). */
export function worldIngressEntries(entries: AclEntry[], family: "ipv4" | "ipv6"): WorldEntry[] {
  const out: WorldEntry[] = [];
  for (const e of entries) {
    if (e.egress === true) continue;
    const cidr = family === "ipv4" ? e.cidrBlock : e.ipv6CidrBlock;
    if (!cidr || !isWorld(cidr)) continue;
    const protocol = normaliseProtocol(e.protocol);
    const range = portRange(protocol, e.portRange?.from, e.portRange?.to);
    const entry: WorldEntry = {
      ruleNumber: Number(e.ruleNumber ?? 32767),
      allow: String(e.ruleAction).toLowerCase() === "allow",
      protocol,
      range,
      cidr,
      text: "",
    };
    entry.text = describeEntry(entry);
    out.push(entry);
  }
  return out.sort((a, b) => a.ruleNumber - b.ruleNumber);
}

function entryCovers(entry: WorldEntry, proto: Proto, port: number): boolean {
  if (entry.protocol !== "all" && entry.protocol !== proto) return false;
  const r = entry.range;
  return !!r && port >= r[0] && port <= r[1];
}

/**
 * Which entry decides a packet from the internet to `proto`/`port`: the first entry, by rule number, that matches.
 * Undefined when none does (the implicit `*` rule denies it).
 */
export function decidingEntry(entries: WorldEntry[], proto: Proto, port: number): WorldEntry | undefined {
  return entries.find((e) => entryCovers(e, proto, port));
}

function familiesOf(family: Family): ("ipv4" | "ipv6")[] {
  return family === "any" ? ["ipv4", "ipv6"] : [family];
}

const networkAclIngressOpen: Evaluator = (item, params, ctx) =>
  guard(() => {
    const fam = resolveFamily(params);
    const allTraffic = params.allTraffic === true;
    const selection = allTraffic ? undefined : resolvePorts(params, ctx);

    const entries = listOrEmpty(item.configuration.entries, "configuration.entries") as AclEntry[];
    const ingressCount = entries.filter((e) => e.egress !== true).length;
    const read = `${ingressCount} ingress entr${ingressCount === 1 ? "y" : "ies"} read in rule-number order`;
    const world = worldLabel(fam);

    if (allTraffic) {
      const open: WorldEntry[] = [];
      const stopped: string[] = [];
      for (const f of familiesOf(fam)) {
        const list = worldIngressEntries(entries, f);
        const first = list.find((e) => e.protocol === "all");
        if (!first) continue;
        if (first.allow) open.push(first);
        else {
          const laterAllow = list.find(
            (e) => e.protocol === "all" && e.allow && e.ruleNumber > first.ruleNumber,
          );
          if (laterAllow) stopped.push(`${first.text} comes before ${laterAllow.text}`);
        }
      }
      if (open.length === 0) {
        const note = stopped.length > 0 ? `; ${stopped.join("; ")}` : "";
        return { pass: true, reason: `no ingress entry allows all traffic from ${world} (${read}${note})` };
      }
      return {
        pass: false,
        reason: `${open.map((e) => `${e.text} admits every protocol and port from the internet`).join("; ")}; expected no entry allowing all traffic from ${world}, or a deny of it with a lower rule number`,
        evidence: { "configuration.entries": open.map((e) => e.text) },
      };
    }

    // entry text → what it lets in
    const exposed = new Map<string, { entry: WorldEntry; protos: Set<Proto>; ports: Set<number> }>();
    const shadowed = new Set<string>();
    for (const f of familiesOf(fam)) {
      const list = worldIngressEntries(entries, f);
      for (const proto of PORT_PROTOCOLS) {
        for (const port of selection!.ports) {
          const decider = decidingEntry(list, proto, port);
          if (!decider) continue;
          if (decider.allow) {
            let e = exposed.get(decider.text);
            if (!e) {
              e = { entry: decider, protos: new Set(), ports: new Set() };
              exposed.set(decider.text, e);
            }
            e.protos.add(proto);
            e.ports.add(port);
          } else {
            const laterAllow = list.find(
              (e) => e.allow && e.ruleNumber > decider.ruleNumber && entryCovers(e, proto, port),
            );
            if (laterAllow) shadowed.add(`${decider.text} comes before ${laterAllow.text}`);
          }
        }
      }
    }
    if (exposed.size === 0) {
      const note = shadowed.size > 0 ? `; ${[...shadowed].join("; ")}` : "";
      return {
        pass: true,
        reason: `no ingress entry lets ${selection!.label} in from ${world} (${read}${note})`,
      };
    }
    const lines = [...exposed.values()].map(({ entry, protos, ports }) => {
      const p = [...ports].sort((a, b) => a - b);
      return `${entry.text} admits ${[...protos].join(" and ")} port${p.length === 1 ? "" : "s"} ${compactPorts(p)}`;
    });
    return {
      pass: false,
      reason: `${lines.join("; ")}; expected ${selection!.label} to be denied to ${world} by an earlier entry or not allowed at all`,
      evidence: { "configuration.entries": [...exposed.keys()] },
    };
  });

/** Evaluators for network checks, by name (see docs/checks.md). */
export const networkEvaluators: Record<string, Evaluator> = {
  /** params: `ports: [22]` | `portsFrom: adminPorts` | `allPorts: true`; `family: ipv4 | ipv6 | any` (default any). */
  securityGroupIngressOpen: securityGroupExposure("ingress"),
  /** Same params as securityGroupIngressOpen, over the egress rules. */
  securityGroupEgressOpen: securityGroupExposure("egress"),
  securityGroupHasNoRules,
  /** params: `ports` | `portsFrom` | `allTraffic: true`; `family` (default any). Honours rule order and denies. */
  networkAclIngressOpen,
};
