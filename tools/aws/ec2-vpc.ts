/**
 * The VPC topology of a region: subnets, route tables, peering connections, endpoints and internet gateways,
 * plus what the VPC items learn from them (default VPC in use, endpoints per VPC, availability zones).
 *
 * These are written as code rather than as specs (tools/aws/spec.ts) because the items are judged by their
 * relations — a subnet is public when its route table routes to an internet gateway; a peering route is least
 * access when it stays inside the peer VPC's CIDR; a VPC has an S3 endpoint — and a spec item sees only its
 * own listing. Each listing is made once per region and shared: a failed listing is a coverage gap for its own
 * resource type and a `$error` marker in every relation derived from it (never a "false").
 */
import {
  type EC2Client,
  type InternetGateway,
  type NetworkInterface,
  paginateDescribeInternetGateways,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcPeeringConnections,
  type RouteTable,
  type Subnet,
  type VpcEndpoint,
  type VpcPeeringConnection,
} from "@aws-sdk/client-ec2";
import { type CallError, isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { cidrContains, isWorld } from "../../src/engine/cidr.ts";
import {
  type CollectorContext,
  item,
  listing,
  orCallError,
  parsePolicyDocument,
  tagMap,
} from "./collector.ts";
import { collectPages } from "./concurrency.ts";

export const VPC_TOPOLOGY_ACTIONS = [
  "ec2:DescribeInternetGateways",
  "ec2:DescribeRouteTables",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcEndpoints",
  "ec2:DescribeVpcPeeringConnections",
];

/** A region's listing, made at most once however many items derive relations from it. */
export type Shared<T> = () => Promise<T[]>;

export function shared<T>(list: () => Promise<T[]>): Shared<T> {
  let promise: Promise<T[]> | undefined;
  return () => {
    promise ??= list();
    return promise;
  };
}

/** The region's listings the VPC topology reads (network interfaces are shared with the security groups). */
export interface Topology {
  subnets: Shared<Subnet>;
  routeTables: Shared<RouteTable>;
  peerings: Shared<VpcPeeringConnection>;
  endpoints: Shared<VpcEndpoint>;
  internetGateways: Shared<InternetGateway>;
  networkInterfaces: Shared<NetworkInterface>;
}

export function topology(ec2: EC2Client, networkInterfaces: Shared<NetworkInterface>): Topology {
  return {
    subnets: shared(() => collectPages(paginateDescribeSubnets({ client: ec2 }, {}), (p) => p.Subnets)),
    routeTables: shared(() =>
      collectPages(paginateDescribeRouteTables({ client: ec2 }, {}), (p) => p.RouteTables),
    ),
    peerings: shared(() =>
      collectPages(
        paginateDescribeVpcPeeringConnections({ client: ec2 }, {}),
        (p) => p.VpcPeeringConnections,
      ),
    ),
    endpoints: shared(() =>
      collectPages(paginateDescribeVpcEndpoints({ client: ec2 }, {}), (p) => p.VpcEndpoints),
    ),
    internetGateways: shared(() =>
      collectPages(paginateDescribeInternetGateways({ client: ec2 }, {}), (p) => p.InternetGateways),
    ),
    networkInterfaces,
  };
}

/** The topology's own items, one listing (and one coverage gap when it fails) per resource type. */
export function topologyItems(ctx: CollectorContext, t: Topology): Promise<ConfigurationItem[]>[] {
  return [
    listing(ctx, "DescribeSubnets", async () => subnetItems(ctx, await t.subnets(), t)),
    listing(ctx, "DescribeRouteTables", async () => routeTableItems(ctx, await t.routeTables(), t)),
    listing(ctx, "DescribeVpcPeeringConnections", async () => peeringItems(ctx, await t.peerings())),
    listing(ctx, "DescribeVpcEndpoints", async () => endpointItems(ctx, await t.endpoints())),
    listing(ctx, "DescribeInternetGateways", async () =>
      internetGatewayItems(ctx, await t.internetGateways()),
    ),
  ];
}

function arn(ctx: CollectorContext, resource: string): string {
  return `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:${resource}`;
}

/** Peering connections that no longer carry traffic and linger in the API for a while. */
const GONE_PEERING = new Set(["deleted", "rejected", "failed", "expired"]);
/** Endpoint states that mean the endpoint is gone. */
const GONE_ENDPOINT = new Set(["deleted", "deleting", "rejected", "failed", "expired"]);

function routesToInternetGateway(table: RouteTable): boolean {
  return (table.Routes ?? []).some((r) => r.GatewayId?.startsWith("igw-") && r.State !== "blackhole");
}

/** The route table that governs a subnet: its explicit association, else its VPC's main table. */
function tableOfSubnet(subnet: Subnet, tables: readonly RouteTable[]): RouteTable | undefined {
  const explicit = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnet.SubnetId));
  return explicit ?? tables.find((t) => t.VpcId === subnet.VpcId && t.Associations?.some((a) => a.Main));
}

async function subnetItems(
  ctx: CollectorContext,
  subnets: readonly Subnet[],
  t: Topology,
): Promise<ConfigurationItem[]> {
  const tables = await orCallError(t.routeTables);
  return subnets
    .filter((s) => s.SubnetId)
    .map((subnet) => {
      const tags = tagMap(subnet.Tags);
      let routing: Record<string, unknown>;
      if (isCallError(tables)) {
        routing = { routeTableId: tables, routesToInternetGateway: tables };
      } else {
        const table = tableOfSubnet(subnet, tables);
        routing = {
          routeTableId: table?.RouteTableId ?? null,
          usesMainRouteTable: table ? !table.Associations?.some((a) => a.SubnetId === subnet.SubnetId) : null,
          routesToInternetGateway: table ? routesToInternetGateway(table) : false,
        };
      }
      return item(ctx, {
        resourceType: "AWS::EC2::Subnet",
        resourceId: subnet.SubnetId!,
        resourceName: tags.Name ?? subnet.SubnetId!,
        arn: subnet.SubnetArn ?? arn(ctx, `subnet/${subnet.SubnetId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(subnet),
        // A subnet is public when its route table sends traffic to an internet gateway.
        supplementaryConfiguration: { ...routing, public: routing.routesToInternetGateway },
        tags,
      });
    });
}

/** The CIDR blocks of the other side of a peering connection, seen from `vpcId`. */
function peerSide(peering: VpcPeeringConnection, vpcId: string | undefined) {
  const requester = peering.RequesterVpcInfo;
  const accepter = peering.AccepterVpcInfo;
  const peer = requester?.VpcId === vpcId ? accepter : requester;
  const cidrs = [
    ...(peer?.CidrBlockSet ?? []).map((c) => c.CidrBlock),
    peer?.CidrBlock,
    ...(peer?.Ipv6CidrBlockSet ?? []).map((c) => c.Ipv6CidrBlock),
  ].filter((c): c is string => typeof c === "string");
  return { vpcId: peer?.VpcId ?? null, ownerId: peer?.OwnerId ?? null, cidrBlocks: [...new Set(cidrs)] };
}

async function routeTableItems(
  ctx: CollectorContext,
  tables: readonly RouteTable[],
  t: Topology,
): Promise<ConfigurationItem[]> {
  const peerings = await orCallError(t.peerings);
  return tables
    .filter((r) => r.RouteTableId)
    .map((table) => {
      const tags = tagMap(table.Tags);
      const viaPeering = (table.Routes ?? []).filter((r) => r.VpcPeeringConnectionId);
      const peeringRoutes: unknown = isCallError(peerings)
        ? viaPeering.length > 0
          ? peerings
          : []
        : viaPeering.map((route) => {
            const destination = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? null;
            const peering = peerings.find((p) => p.VpcPeeringConnectionId === route.VpcPeeringConnectionId);
            const peer = peering ? peerSide(peering, table.VpcId) : undefined;
            return {
              vpcPeeringConnectionId: route.VpcPeeringConnectionId,
              destination,
              destinationPrefixListId: route.DestinationPrefixListId ?? null,
              peerVpcId: peer?.vpcId ?? null,
              peerCidrBlocks: peer?.cidrBlocks ?? [],
              wholeInternet: isWorld(destination),
              // Unknown peer (deleted connection, prefix-list destination): not provably inside its range.
              withinPeerCidr:
                destination !== null && (peer?.cidrBlocks ?? []).some((c) => cidrContains(c, destination)),
            };
          });
      return item(ctx, {
        resourceType: "AWS::EC2::RouteTable",
        resourceId: table.RouteTableId!,
        resourceName: tags.Name ?? table.RouteTableId!,
        arn: arn(ctx, `route-table/${table.RouteTableId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(table),
        supplementaryConfiguration: {
          isMain: (table.Associations ?? []).some((a) => a.Main === true),
          subnetIds: (table.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
          routesToInternetGateway: routesToInternetGateway(table),
          peeringRoutes,
        },
        tags,
      });
    });
}

function peeringItems(ctx: CollectorContext, peerings: readonly VpcPeeringConnection[]): ConfigurationItem[] {
  return peerings
    .filter((p) => p.VpcPeeringConnectionId && !GONE_PEERING.has(p.Status?.Code ?? ""))
    .map((peering) => {
      const tags = tagMap(peering.Tags);
      const requester = peering.RequesterVpcInfo;
      const accepter = peering.AccepterVpcInfo;
      // The side that is not this account (for a peering inside the account, the accepter).
      const peer = requester?.OwnerId && requester.OwnerId !== ctx.accountId ? requester : accepter;
      return item(ctx, {
        resourceType: "AWS::EC2::VPCPeeringConnection",
        resourceId: peering.VpcPeeringConnectionId!,
        resourceName: tags.Name ?? peering.VpcPeeringConnectionId!,
        arn: arn(ctx, `vpc-peering-connection/${peering.VpcPeeringConnectionId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(peering),
        supplementaryConfiguration: {
          crossAccount: (requester?.OwnerId ?? ctx.accountId) !== (accepter?.OwnerId ?? ctx.accountId),
          crossRegion: (requester?.Region ?? ctx.region) !== (accepter?.Region ?? ctx.region),
          peerOwnerId: peer?.OwnerId ?? null,
          peerRegion: peer?.Region ?? null,
        },
        tags,
      });
    });
}

const asList = (value: unknown): string[] =>
  value === undefined || value === null
    ? []
    : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");

/** `Principal: "*"` and `Principal: { AWS: "*" }` both name everyone; other principals are kept as listed. */
function principalsOf(principal: unknown): string[] {
  if (typeof principal === "string") return [principal];
  if (principal && typeof principal === "object")
    return Object.values(principal as Record<string, unknown>).flatMap(asList);
  return [];
}

/** The statements of an endpoint policy, flattened to what a check compares (the document is kept as well). */
export function policyStatements(document: Record<string, unknown> | null): Record<string, unknown>[] {
  if (!document) return [];
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : raw && typeof raw === "object" ? [raw] : [];
  return statements.map((s: Record<string, unknown>, index) => ({
    sid: typeof s.Sid === "string" ? s.Sid : `#${index + 1}`,
    effect: s.Effect ?? null,
    principals: "NotPrincipal" in s ? [] : principalsOf(s.Principal),
    actions: asList(s.Action),
    notActions: asList(s.NotAction),
    resources: asList(s.Resource),
    hasCondition: !!s.Condition && typeof s.Condition === "object" && Object.keys(s.Condition).length > 0,
  }));
}

function endpointItems(ctx: CollectorContext, endpoints: readonly VpcEndpoint[]): ConfigurationItem[] {
  return endpoints
    .filter((e) => e.VpcEndpointId && !GONE_ENDPOINT.has((e.State ?? "").toLowerCase()))
    .map((endpoint) => {
      const tags = tagMap(endpoint.Tags);
      const document = parsePolicyDocument(endpoint.PolicyDocument);
      return item(ctx, {
        resourceType: "AWS::EC2::VPCEndpoint",
        resourceId: endpoint.VpcEndpointId!,
        resourceName: tags.Name ?? endpoint.VpcEndpointId!,
        arn: arn(ctx, `vpc-endpoint/${endpoint.VpcEndpointId}`),
        awsRegion: ctx.region,
        configuration: { ...lowerCamelKeys(endpoint), policyDocument: document },
        supplementaryConfiguration: { policyStatements: policyStatements(document) },
        tags,
      });
    });
}

function internetGatewayItems(
  ctx: CollectorContext,
  gateways: readonly InternetGateway[],
): ConfigurationItem[] {
  return gateways
    .filter((g) => g.InternetGatewayId)
    .map((gateway) => {
      const tags = tagMap(gateway.Tags);
      return item(ctx, {
        resourceType: "AWS::EC2::InternetGateway",
        resourceId: gateway.InternetGatewayId!,
        resourceName: tags.Name ?? gateway.InternetGatewayId!,
        arn: arn(ctx, `internet-gateway/${gateway.InternetGatewayId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(gateway),
        supplementaryConfiguration: {
          attachedVpcIds: (gateway.Attachments ?? []).flatMap((a) => (a.VpcId ? [a.VpcId] : [])),
        },
        tags,
      });
    });
}

/** What a VPC item learns from the rest of the region's topology; each part is a `$error` if its listing failed. */
export async function vpcRelations(t: Topology): Promise<(vpcId: string) => Record<string, unknown>> {
  const [subnets, endpoints, enis, peerings, gateways] = await Promise.all([
    orCallError(t.subnets),
    orCallError(t.endpoints),
    orCallError(t.networkInterfaces),
    orCallError(t.peerings),
    orCallError(t.internetGateways),
  ]);
  const per = <T, R>(list: T[] | CallError, pick: (items: T[]) => R): R | CallError =>
    isCallError(list) ? list : pick(list);
  return (vpcId) => {
    const own = per(subnets, (l) => l.filter((s) => s.VpcId === vpcId));
    return {
      subnetCount: per(subnets, (l) => l.filter((s) => s.VpcId === vpcId).length),
      availabilityZones: isCallError(own)
        ? own
        : [...new Set(own.flatMap((s) => (s.AvailabilityZone ? [s.AvailabilityZone] : [])))].sort(),
      endpointServices: per(endpoints, (l) =>
        l
          .filter((e) => e.VpcId === vpcId && !GONE_ENDPOINT.has((e.State ?? "").toLowerCase()))
          .map((e) => ({
            vpcEndpointId: e.VpcEndpointId ?? null,
            serviceName: e.ServiceName ?? null,
            vpcEndpointType: e.VpcEndpointType ?? null,
            state: e.State ?? null,
          })),
      ),
      // Anything that lives in a VPC (instance, load balancer, Lambda, RDS, NAT gateway, endpoint) has an ENI.
      networkInterfaceCount: per(enis, (l) => l.filter((e) => e.VpcId === vpcId).length),
      peeringConnectionIds: per(peerings, (l) =>
        l
          .filter(
            (p) =>
              !GONE_PEERING.has(p.Status?.Code ?? "") &&
              (p.RequesterVpcInfo?.VpcId === vpcId || p.AccepterVpcInfo?.VpcId === vpcId),
          )
          .flatMap((p) => (p.VpcPeeringConnectionId ? [p.VpcPeeringConnectionId] : [])),
      ),
      internetGatewayIds: per(gateways, (l) =>
        l
          .filter((g) => g.Attachments?.some((a) => a.VpcId === vpcId))
          .flatMap((g) => (g.InternetGatewayId ? [g.InternetGatewayId] : [])),
      ),
    };
  };
}
