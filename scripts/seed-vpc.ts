/**
 * Demo seeding for the VPC topology checks (subnets, route tables, peering, endpoints, default VPC use). In
 * `VPC_REGION` two VPCs are peered with each other: `vpc-app` is the compliant twin (private subnets in two zones,
 * a peering route to one peer subnet, an S3 gateway endpoint with a scoped policy, an EC2 interface endpoint with
 * private DNS), `vpc-legacy` holds the violations (a public subnet that auto-assigns public IPs, a single zone,
 * a default route to the peering connection, a full-access endpoint policy, an interface endpoint without private
 * DNS). The default VPC of `VPC_REGION` is left empty; in `VPC_IN_DEFAULT_REGION` a network interface is created in
 * the default VPC, so it is "in use".
 */
import {
  AcceptVpcPeeringConnectionCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  CreateVpcPeeringConnectionCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  ModifySubnetAttributeCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const VPC_REGION = "us-east-1";
export const VPC_IN_DEFAULT_REGION = "eu-west-1";
/** The names (tag Name) the seeded resources carry, for tests to find them. */
export const VPC_NAMES = {
  appVpc: "vpc-app",
  legacyVpc: "vpc-legacy",
  appSubnetA: "vpc-app-private-a",
  appSubnetB: "vpc-app-private-b",
  legacySubnet: "vpc-legacy-public-a",
  appRouteTable: "vpc-app-private",
  legacyPublicRouteTable: "vpc-legacy-public",
  legacyPeerRouteTable: "vpc-legacy-to-app",
  peering: "app-legacy",
  appS3Endpoint: "vpc-app-s3",
  appEc2Endpoint: "vpc-app-ec2",
  legacyS3Endpoint: "vpc-legacy-s3",
  legacySsmEndpoint: "vpc-legacy-ssm",
} as const;

export interface VpcSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
}

const tags = (resourceType: string, name: string) => [
  { ResourceType: resourceType as never, Tags: [{ Key: "Name", Value: name }] as Tag[] },
];

const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

export async function seedVpc(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<VpcSeed> {
  const ec2 = clients(VPC_REGION).ec2;
  const created: Record<string, number> = { "ec2:vpc": 0 };
  const az = (letter: string) => `${VPC_REGION}${letter}`;

  const vpc = async (name: string, cidr: string) => {
    const answer = await ec2.send(
      new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: tags("vpc", name) }),
    );
    created["ec2:vpc"]! += 1;
    return answer.Vpc!.VpcId!;
  };
  const subnet = async (vpcId: string, name: string, cidr: string, letter: string) =>
    (
      await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: cidr,
          AvailabilityZone: az(letter),
          TagSpecifications: tags("subnet", name),
        }),
      )
    ).Subnet!.SubnetId!;
  const routeTable = async (vpcId: string, name: string, subnetIds: string[]) => {
    const id = (
      await ec2.send(
        new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tags("route-table", name) }),
      )
    ).RouteTable!.RouteTableId!;
    for (const SubnetId of subnetIds)
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: id, SubnetId }));
    return id;
  };

  const appVpc = await vpc(VPC_NAMES.appVpc, "10.60.0.0/16");
  const legacyVpc = await vpc(VPC_NAMES.legacyVpc, "10.61.0.0/16");

  // Subnets: the app's in two zones without public addresses; the legacy one alone, handing out public IPs.
  const appA = await subnet(appVpc, VPC_NAMES.appSubnetA, "10.60.1.0/24", "a");
  const appB = await subnet(appVpc, VPC_NAMES.appSubnetB, "10.60.2.0/24", "b");
  const legacyA = await subnet(legacyVpc, VPC_NAMES.legacySubnet, "10.61.1.0/24", "a");
  await ec2.send(
    new ModifySubnetAttributeCommand({ SubnetId: legacyA, MapPublicIpOnLaunch: { Value: true } }),
  );

  // The legacy subnet is public: its route table sends 0.0.0.0/0 to an internet gateway.
  const igw = (
    await ec2.send(
      new CreateInternetGatewayCommand({ TagSpecifications: tags("internet-gateway", "legacy") }),
    )
  ).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: legacyVpc }));
  const legacyPublic = await routeTable(legacyVpc, VPC_NAMES.legacyPublicRouteTable, [legacyA]);
  await ec2.send(
    new CreateRouteCommand({ RouteTableId: legacyPublic, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }),
  );

  // Peering between the two VPCs: the app routes one peer subnet through it, the legacy side everything.
  const pcx = (
    await ec2.send(
      new CreateVpcPeeringConnectionCommand({
        VpcId: appVpc,
        PeerVpcId: legacyVpc,
        PeerOwnerId: accountId,
        TagSpecifications: tags("vpc-peering-connection", VPC_NAMES.peering),
      }),
    )
  ).VpcPeeringConnection!.VpcPeeringConnectionId!;
  await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
  const appTable = await routeTable(appVpc, VPC_NAMES.appRouteTable, [appA, appB]);
  await ec2.send(
    new CreateRouteCommand({
      RouteTableId: appTable,
      DestinationCidrBlock: "10.61.1.0/24",
      VpcPeeringConnectionId: pcx,
    }),
  );
  const legacyPeer = await routeTable(legacyVpc, VPC_NAMES.legacyPeerRouteTable, []);
  await ec2.send(
    new CreateRouteCommand({
      RouteTableId: legacyPeer,
      DestinationCidrBlock: "0.0.0.0/0",
      VpcPeeringConnectionId: pcx,
    }),
  );

  // Endpoints: S3 scoped to one bucket vs full access; EC2 with private DNS vs SSM without.
  await endpoint(ec2, {
    VpcId: appVpc,
    VpcEndpointType: "Gateway",
    ServiceName: `com.amazonaws.${VPC_REGION}.s3`,
    RouteTableIds: [appTable],
    PolicyDocument: policy({
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: [`arn:aws:s3:::app-data-${accountId}/*`],
    }),
    TagSpecifications: tags("vpc-endpoint", VPC_NAMES.appS3Endpoint),
  });
  await endpoint(ec2, {
    VpcId: appVpc,
    VpcEndpointType: "Interface",
    ServiceName: `com.amazonaws.${VPC_REGION}.ec2`,
    SubnetIds: [appA, appB],
    PrivateDnsEnabled: true,
    TagSpecifications: tags("vpc-endpoint", VPC_NAMES.appEc2Endpoint),
  });
  await endpoint(ec2, {
    VpcId: legacyVpc,
    VpcEndpointType: "Gateway",
    ServiceName: `com.amazonaws.${VPC_REGION}.s3`,
    RouteTableIds: [legacyPeer],
    PolicyDocument: policy({ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }),
    TagSpecifications: tags("vpc-endpoint", VPC_NAMES.legacyS3Endpoint),
  });
  await endpoint(ec2, {
    VpcId: legacyVpc,
    VpcEndpointType: "Interface",
    ServiceName: `com.amazonaws.${VPC_REGION}.ssm`,
    SubnetIds: [legacyA],
    PrivateDnsEnabled: false,
    TagSpecifications: tags("vpc-endpoint", VPC_NAMES.legacySsmEndpoint),
  });

  // Something lives in the default VPC of the other region: a network interface in one of its subnets.
  const other = clients(VPC_IN_DEFAULT_REGION).ec2;
  const defaults = await other.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }),
  );
  const defaultSubnet = defaults.Subnets?.[0]?.SubnetId;
  if (defaultSubnet) {
    await other.send(
      new CreateNetworkInterfaceCommand({ SubnetId: defaultSubnet, Description: "left in the default VPC" }),
    );
  }
  return { created };
}

async function endpoint(ec2: EC2Client, input: ConstructorParameters<typeof CreateVpcEndpointCommand>[0]) {
  await ec2.send(new CreateVpcEndpointCommand(input));
}
