import {
  DescribeDocumentPermissionCommand,
  DescribeInstanceInformationCommand,
  DescribeParametersCommand,
  type DocumentIdentifier,
  type InstanceInformation,
  ListDocumentsCommand,
  ListResourceComplianceSummariesCommand,
  type ParameterMetadata,
  type ResourceComplianceSummaryItem,
} from "@aws-sdk/client-ssm";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import type { CollectorContext } from "./collector.ts";
import { tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const NEXT_TOKEN = { input: "NextToken", output: "NextToken" };

/** An EC2 instance (`i-…`) is named by its EC2 ARN; a hybrid node (`mi-…`) by its managed-instance ARN. */
function nodeArn(id: string, ctx: CollectorContext): string {
  return id.startsWith("i-")
    ? `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`
    : `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:managed-instance/${id}`;
}

/**
 * Nodes the SSM Agent has registered in the region (EC2 instances and hybrid nodes), with their ping status,
 * agent version, platform and association status. The FSBP SSM.1 check joins these with the EC2 instances.
 */
const managedInstances = resource({
  resourceType: "AWS::SSM::ManagedInstanceInventory",
  client: "ssm",
  list: {
    action: "ssm:DescribeInstanceInformation",
    command: DescribeInstanceInformationCommand,
    input: { MaxResults: 50 },
    paging: NEXT_TOKEN,
    items: (page) => page.InstanceInformationList,
  },
  id: (i: InstanceInformation) => i.InstanceId,
  name: (i) => i.ComputerName || i.Name || i.InstanceId,
  arn: (i, ctx) => nodeArn(i.InstanceId!, ctx),
  // The source fields (`sourceId`, `sourceType`) and IP address are kept: they say which EC2 instance a node is.
  configuration: (i) => lowerCamelKeys(i),
});

/**
 * One compliance type of the region, as Systems Manager summarises it per managed node: one listing per region,
 * filtered to the type (`Patch` or `Association`), never a call per node.
 */
function compliance(resourceType: string, complianceType: string) {
  return resource({
    resourceType,
    client: "ssm",
    list: {
      action: "ssm:ListResourceComplianceSummaries",
      command: ListResourceComplianceSummariesCommand,
      input: {
        Filters: [
          { Key: "ComplianceType", Values: [complianceType], Type: "EQUAL" },
          { Key: "ResourceType", Values: ["ManagedInstance"], Type: "EQUAL" },
        ],
        MaxResults: 50,
      },
      paging: NEXT_TOKEN,
      items: (page) => page.ResourceComplianceSummaryItems,
    },
    id: (c: ResourceComplianceSummaryItem) => c.ResourceId,
    arn: (c, ctx) => nodeArn(c.ResourceId!, ctx),
    configuration: (c) => ({ status: null, overallSeverity: null, ...lowerCamelKeys(c) }),
  });
}

/**
 * Documents this account owns (Owner=Self: AWS's and other accounts' shared documents are not ours to judge),
 * with their tags, and per document the accounts it is shared with (`all` means public).
 */
const documents = resource({
  resourceType: "AWS::SSM::Document",
  client: "ssm",
  list: {
    action: "ssm:ListDocuments",
    command: ListDocumentsCommand,
    input: { Filters: [{ Key: "Owner", Values: ["Self"] }], MaxResults: 50 },
    paging: NEXT_TOKEN,
    items: (page) => page.DocumentIdentifiers,
  },
  id: (d: DocumentIdentifier) => d.Name,
  arn: (d, ctx) => `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:document/${d.Name}`,
  configuration: (d) => {
    const { Tags: _tags, ...rest } = d;
    return lowerCamelKeys(rest);
  },
  tags: (d) => tagMap(d.Tags),
  details: [
    detail({
      key: "sharedWith",
      action: "ssm:DescribeDocumentPermission",
      command: DescribeDocumentPermissionCommand,
      paging: NEXT_TOKEN,
      input: (d: DocumentIdentifier) => ({ Name: d.Name, PermissionType: "Share" as const }),
      // Account ids the document is shared with; "all" when it is public.
      pick: (answer) => answer.AccountIds ?? [],
    }),
  ],
});

/**
 * Parameter Store parameters of the region: name, type (String, StringList, SecureString), KMS key, tier, data
 * type and last change. DescribeParameters never returns values, and nothing here asks for one.
 */
const parameters = resource({
  resourceType: "AWS::SSM::Parameter",
  client: "ssm",
  list: {
    action: "ssm:DescribeParameters",
    command: DescribeParametersCommand,
    input: { MaxResults: 50 },
    paging: NEXT_TOKEN,
    items: (page) => page.Parameters,
  },
  id: (p: ParameterMetadata) => p.Name,
  arn: (p, ctx) =>
    p.ARN ??
    `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:parameter${p.Name!.startsWith("/") ? "" : "/"}${p.Name}`,
  configuration: (p) => ({ keyId: null, ...lowerCamelKeys(p) }),
});

export const ssmSpec: ServiceSpec = {
  service: "ssm",
  global: false,
  resources: [
    managedInstances,
    compliance("AWS::SSM::PatchCompliance", "Patch"),
    compliance("AWS::SSM::AssociationCompliance", "Association"),
    documents,
    parameters,
  ],
};

/** AWS Systems Manager per region: managed nodes, their patch and association compliance, owned documents, parameters. */
export const ssmCollector = specCollector(ssmSpec);
