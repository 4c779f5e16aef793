/**
 * The VPC topology of the EC2 collector (subnets, route tables, peering connections, endpoints, internet
 * gateways, and what VPC items learn from them) against moto, seeded by scripts/seed-vpc.ts in a random account:
 * each planted violation FAILs and its compliant twin PASSes. Then, over stubbed SDK clients, what moto does not
 * model (a peering connection to another account, blackhole routes) and the AccessDenied paths.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { seedVpc, VPC_IN_DEFAULT_REGION, VPC_NAMES, VPC_REGION } from "../../scripts/seed-vpc.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { ec2Collector } from "../../tools/aws/ec2.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { type StubAnswers, stubContext } from "./stub-sdk.ts";

const REGIONS = [VPC_REGION, VPC_IN_DEFAULT_REGION];
const NOW = new Date("2026-05-04T12:00:00.000Z");

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, NOW))?.status;
}

serviceDescribe("moto", "VPC topology against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  const named = (type: string, name: string) => {
    const found = ofType(items, type, VPC_REGION).filter((i) => i.resourceName === name);
    expect(found, `${type} ${name}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const sets = new Map<string, AwsClientSet>();
    const clients = (region: string) => {
      let set = sets.get(region);
      if (!set) {
        set = new AwsClientSet(
          region,
          () => ({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
          createClient,
          counter,
        );
        sets.set(region, set);
      }
      return set;
    };
    try {
      await seedVpc(accountId, clients);
    } finally {
      for (const set of sets.values()) set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: REGIONS,
      services: ["ec2"],
      clock: () => NOW,
      // moto answers GetEbsDefaultKmsKeyId with an HTML 500 page; two attempts keep the test quick.
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads the topology of both regions without a coverage gap, one listing per region", () => {
    expect(inventory.coverageGaps).toEqual([]);
    const calls = inventory.stats.apiCallsByOperation;
    for (const op of [
      "DescribeSubnets",
      "DescribeRouteTables",
      "DescribeVpcPeeringConnections",
      "DescribeVpcEndpoints",
      "DescribeInternetGateways",
      "DescribeNetworkInterfaces",
    ])
      expect(calls[`ec2:${op}`], op).toBe(REGIONS.length);
  });

  it("derives public subnets from their route tables", () => {
    const legacy = named("AWS::EC2::Subnet", VPC_NAMES.legacySubnet);
    expect(legacy.configuration.mapPublicIpOnLaunch).toBe(true);
    expect(legacy.supplementaryConfiguration).toMatchObject({ routesToInternetGateway: true, public: true });
    const app = named("AWS::EC2::Subnet", VPC_NAMES.appSubnetA);
    expect(app.supplementaryConfiguration).toMatchObject({
      routesToInternetGateway: false,
      public: false,
      usesMainRouteTable: false,
    });
  });

  it("relates peering routes to the peer VPC's CIDR", () => {
    const wide = named("AWS::EC2::RouteTable", VPC_NAMES.legacyPeerRouteTable);
    expect(wide.supplementaryConfiguration.peeringRoutes).toEqual([
      expect.objectContaining({
        destination: "0.0.0.0/0",
        peerCidrBlocks: ["10.60.0.0/16"],
        wholeInternet: true,
        withinPeerCidr: false,
      }),
    ]);
    const narrow = named("AWS::EC2::RouteTable", VPC_NAMES.appRouteTable);
    expect(narrow.supplementaryConfiguration.peeringRoutes).toEqual([
      expect.objectContaining({
        destination: "10.61.1.0/24",
        peerCidrBlocks: ["10.61.0.0/16"],
        withinPeerCidr: true,
      }),
    ]);
    const peering = named("AWS::EC2::VPCPeeringConnection", VPC_NAMES.peering);
    expect(peering.supplementaryConfiguration).toMatchObject({ crossAccount: false, peerOwnerId: accountId });
  });

  it("records endpoints with their parsed policy, and each VPC's endpoints, zones and use", () => {
    const full = named("AWS::EC2::VPCEndpoint", VPC_NAMES.legacyS3Endpoint);
    expect(full.configuration.policyDocument).toMatchObject({ Statement: [{ Action: "*", Principal: "*" }] });
    const app = named("AWS::EC2::VPC", VPC_NAMES.appVpc);
    expect(app.supplementaryConfiguration).toMatchObject({
      availabilityZones: [`${VPC_REGION}a`, `${VPC_REGION}b`],
      subnetCount: 2,
    });
    expect(app.supplementaryConfiguration.endpointServices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          serviceName: `com.amazonaws.${VPC_REGION}.s3`,
          vpcEndpointType: "Gateway",
        }),
        expect.objectContaining({
          serviceName: `com.amazonaws.${VPC_REGION}.ec2`,
          vpcEndpointType: "Interface",
        }),
      ]),
    );
    const legacy = named("AWS::EC2::VPC", VPC_NAMES.legacyVpc);
    expect(legacy.supplementaryConfiguration.internetGatewayIds).toHaveLength(1);
    expect(ofType(items, "AWS::EC2::InternetGateway", VPC_REGION).length).toBeGreaterThanOrEqual(1);
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    const pairs: Array<[string, string, string, string]> = [
      [
        "ec2_subnet_no_auto_assign_public_ip",
        "AWS::EC2::Subnet",
        VPC_NAMES.appSubnetA,
        VPC_NAMES.legacySubnet,
      ],
      ["vpc_subnets_in_multiple_azs", "AWS::EC2::VPC", VPC_NAMES.appVpc, VPC_NAMES.legacyVpc],
      ["vpc_endpoint_for_ec2_exists", "AWS::EC2::VPC", VPC_NAMES.appVpc, VPC_NAMES.legacyVpc],
      [
        "vpc_peering_routes_least_access",
        "AWS::EC2::RouteTable",
        VPC_NAMES.appRouteTable,
        VPC_NAMES.legacyPeerRouteTable,
      ],
      [
        "vpc_endpoint_policy_not_full_access",
        "AWS::EC2::VPCEndpoint",
        VPC_NAMES.appS3Endpoint,
        VPC_NAMES.legacyS3Endpoint,
      ],
      [
        "vpc_endpoint_private_dns_enabled",
        "AWS::EC2::VPCEndpoint",
        VPC_NAMES.appEc2Endpoint,
        VPC_NAMES.legacySsmEndpoint,
      ],
    ];
    for (const [id, type, twin, violation] of pairs) {
      expect(verdict(items, id, named(type, twin)), `${id} on ${twin}`).toBe("PASS");
      expect(verdict(items, id, named(type, violation)), `${id} on ${violation}`).toBe("FAIL");
    }
    // Both VPCs have an S3 endpoint; the peering stays in the account.
    expect(verdict(items, "vpc_endpoint_for_s3_exists", named("AWS::EC2::VPC", VPC_NAMES.legacyVpc))).toBe(
      "PASS",
    );
    const peering = named("AWS::EC2::VPCPeeringConnection", VPC_NAMES.peering);
    expect(verdict(items, "vpc_peering_cross_account_trusted", peering)).toBe("PASS");
    // The default VPC: empty in one region, holding a network interface in the other.
    const defaultVpc = (region: string) => {
      const found = ofType(items, "AWS::EC2::VPC", region).filter((v) => v.configuration.isDefault === true);
      expect(found, `default VPC in ${region}`).toHaveLength(1);
      return found[0]!;
    };
    expect(verdict(items, "vpc_default_vpc_not_in_use", defaultVpc(VPC_REGION))).toBe("PASS");
    expect(verdict(items, "vpc_default_vpc_not_in_use", defaultVpc(VPC_IN_DEFAULT_REGION))).toBe("FAIL");
  });
});

/** Every EC2 call the collector makes, answered empty; a test overrides the ones it is about. */
function ec2Answers(overrides: StubAnswers): StubAnswers {
  const empty = (key: string) => () => ({ [key]: [] });
  return {
    "ec2:DescribeInstances": empty("Reservations"),
    "ec2:DescribeSecurityGroups": empty("SecurityGroups"),
    "ec2:DescribeNetworkInterfaces": empty("NetworkInterfaces"),
    "ec2:DescribeNetworkAcls": empty("NetworkAcls"),
    "ec2:DescribeVolumes": empty("Volumes"),
    "ec2:DescribeSnapshots": empty("Snapshots"),
    "ec2:DescribeVpcs": empty("Vpcs"),
    "ec2:DescribeFlowLogs": empty("FlowLogs"),
    "ec2:DescribeSubnets": empty("Subnets"),
    "ec2:DescribeRouteTables": empty("RouteTables"),
    "ec2:DescribeVpcPeeringConnections": empty("VpcPeeringConnections"),
    "ec2:DescribeVpcEndpoints": empty("VpcEndpoints"),
    "ec2:DescribeInternetGateways": empty("InternetGateways"),
    "ec2:GetEbsEncryptionByDefault": () => ({ EbsEncryptionByDefault: false }),
    ...overrides,
  };
}

describe("VPC topology over stubbed answers (what moto does not model)", () => {
  const denied = () =>
    awsError("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);
  const OWN = "111122223333";
  const PARTNER = "444455556666";

  it("flags a peering connection to another account and a blackhole route (answers in the AWS API shape)", async () => {
    const { ctx, gaps } = stubContext(
      ec2Answers({
        "ec2:DescribeVpcPeeringConnections": () => ({
          VpcPeeringConnections: [
            {
              VpcPeeringConnectionId: "pcx-partner",
              Status: { Code: "active", Message: "Active" },
              RequesterVpcInfo: {
                OwnerId: OWN,
                VpcId: "vpc-own",
                Region: "us-east-1",
                CidrBlock: "10.0.0.0/16",
              },
              AccepterVpcInfo: {
                OwnerId: PARTNER,
                VpcId: "vpc-partner",
                Region: "eu-west-1",
                CidrBlock: "172.16.0.0/16",
                CidrBlockSet: [{ CidrBlock: "172.16.0.0/16" }],
              },
            },
            { VpcPeeringConnectionId: "pcx-old", Status: { Code: "deleted" } },
          ],
        }),
        "ec2:DescribeRouteTables": () => ({
          RouteTables: [
            {
              RouteTableId: "rtb-1",
              VpcId: "vpc-own",
              Associations: [{ Main: true, RouteTableId: "rtb-1" }],
              Routes: [
                { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
                {
                  DestinationCidrBlock: "172.16.0.0/12",
                  VpcPeeringConnectionId: "pcx-partner",
                  State: "active",
                },
                { DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-gone", State: "blackhole" },
              ],
            },
          ],
        }),
      }),
      { region: "us-east-1" },
    );
    const items = await ec2Collector.collect(ctx);
    expect(gaps).toEqual([]);
    const peerings = items.filter((i) => i.resourceType === "AWS::EC2::VPCPeeringConnection");
    expect(peerings.map((p) => p.resourceId)).toEqual(["pcx-partner"]);
    expect(peerings[0]!.supplementaryConfiguration).toMatchObject({
      crossAccount: true,
      crossRegion: true,
      peerOwnerId: PARTNER,
      peerRegion: "eu-west-1",
    });
    expect(verdict(items, "vpc_peering_cross_account_trusted", peerings[0]!)).toBe("FAIL");
    const table = items.find((i) => i.resourceId === "rtb-1")!;
    expect(table.supplementaryConfiguration.peeringRoutes).toEqual([
      expect.objectContaining({
        peerCidrBlocks: ["172.16.0.0/16"],
        withinPeerCidr: false,
        wholeInternet: false,
      }),
    ]);
    expect(verdict(items, "vpc_peering_routes_least_access", table)).toBe("FAIL");
    expect(verdict(items, "vpc_route_table_no_blackhole_routes", table)).toBe("FAIL");
  });

  it("turns denied listings into coverage gaps and $error relations, so the checks give ERROR, not FAIL", async () => {
    const { ctx, gaps } = stubContext(
      ec2Answers({
        "ec2:DescribeVpcs": () => ({
          Vpcs: [
            { VpcId: "vpc-default", IsDefault: true, CidrBlock: "172.31.0.0/16" },
            { VpcId: "vpc-app", IsDefault: false, CidrBlock: "10.0.0.0/16" },
          ],
        }),
        "ec2:DescribeSubnets": () => ({
          Subnets: [
            {
              SubnetId: "subnet-1",
              VpcId: "vpc-app",
              AvailabilityZone: "us-east-1a",
              MapPublicIpOnLaunch: false,
            },
          ],
        }),
        "ec2:DescribeRouteTables": () => ({
          RouteTables: [
            {
              RouteTableId: "rtb-1",
              VpcId: "vpc-app",
              Associations: [{ Main: true }],
              Routes: [
                { DestinationCidrBlock: "10.1.0.0/16", VpcPeeringConnectionId: "pcx-1", State: "active" },
              ],
            },
          ],
        }),
        "ec2:DescribeNetworkInterfaces": denied,
        "ec2:DescribeVpcEndpoints": denied,
        "ec2:DescribeVpcPeeringConnections": denied,
      }),
    );
    const items = await ec2Collector.collect(ctx);
    expect(gaps.map((g) => g.what).sort()).toEqual(["DescribeVpcEndpoints", "DescribeVpcPeeringConnections"]);
    const defaultVpc = items.find((i) => i.resourceId === "vpc-default")!;
    const app = items.find((i) => i.resourceId === "vpc-app")!;
    expect(isCallError(defaultVpc.supplementaryConfiguration.networkInterfaceCount)).toBe(true);
    expect(isCallError(app.supplementaryConfiguration.endpointServices)).toBe(true);
    expect(verdict(items, "vpc_default_vpc_not_in_use", defaultVpc)).toBe("ERROR");
    expect(verdict(items, "vpc_endpoint_for_s3_exists", app)).toBe("ERROR");
    expect(verdict(items, "vpc_endpoint_for_ec2_exists", app)).toBe("ERROR");
    // The subnet listing was readable: one zone is a real FAIL; the main route table serves the subnet.
    expect(verdict(items, "vpc_subnets_in_multiple_azs", app)).toBe("FAIL");
    const subnet = items.find((i) => i.resourceId === "subnet-1")!;
    expect(subnet.supplementaryConfiguration).toMatchObject({
      routeTableId: "rtb-1",
      usesMainRouteTable: true,
    });
    const table = items.find((i) => i.resourceId === "rtb-1")!;
    expect(isCallError(table.supplementaryConfiguration.peeringRoutes)).toBe(true);
    expect(verdict(items, "vpc_peering_routes_least_access", table)).toBe("ERROR");
  });

  it("marks the subnets' routing as unreadable when the route tables are denied", async () => {
    const { ctx, gaps } = stubContext(
      ec2Answers({
        "ec2:DescribeSubnets": () => ({
          Subnets: [{ SubnetId: "subnet-1", VpcId: "vpc-app", MapPublicIpOnLaunch: true }],
        }),
        "ec2:DescribeRouteTables": denied,
      }),
    );
    const items = await ec2Collector.collect(ctx);
    expect(gaps.map((g) => g.what)).toEqual(["DescribeRouteTables"]);
    const subnet = items.find((i) => i.resourceId === "subnet-1")!;
    expect(isCallError(subnet.supplementaryConfiguration.routesToInternetGateway)).toBe(true);
    expect(verdict(items, "ec2_subnet_no_auto_assign_public_ip", subnet)).toBe("FAIL");
  });
});
