/**
 * Demo seeding for the governance services (AWS Config, Security Hub, GuardDuty, Macie, the Account API's
 * alternate contacts): us-east-1 is the compliant twin, eu-west-1 the region where they were forgotten. The
 * account is left outside any organisation (creating one would make the demo account a management account).
 */
import { PutAlternateContactCommand } from "@aws-sdk/client-account";
import {
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from "@aws-sdk/client-config-service";
import { CreateDetectorCommand } from "@aws-sdk/client-guardduty";
import { DisableMacieCommand } from "@aws-sdk/client-macie2";
import { EnableSecurityHubCommand } from "@aws-sdk/client-securityhub";
import type { AwsClientSet } from "../tools/aws/clients.ts";

/** The region where every governance service is on, and the one where they are off or half set up. */
export const GOVERNANCE_ON = "us-east-1";
export const GOVERNANCE_OFF = "eu-west-1";

export interface GovernanceSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
}

export async function seedGovernance(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<GovernanceSeed> {
  const on = clients(GOVERNANCE_ON);
  const off = clients(GOVERNANCE_OFF);
  const role = `arn:aws:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;

  // Config: a recorder of everything incl. global types, delivering and started…
  await on.get("config").send(
    new PutConfigurationRecorderCommand({
      ConfigurationRecorder: {
        name: "default",
        roleARN: role,
        recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
      },
    }),
  );
  await on.get("config").send(
    new PutDeliveryChannelCommand({
      DeliveryChannel: { name: "default", s3BucketName: `config-delivery-${accountId}` },
    }),
  );
  await on
    .get("config")
    .send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: "default" }));
  // …and in eu-west-1 a recorder of two types only, never started, without a delivery channel.
  await off.get("config").send(
    new PutConfigurationRecorderCommand({
      ConfigurationRecorder: {
        name: "partial",
        roleARN: role,
        recordingGroup: {
          allSupported: false,
          includeGlobalResourceTypes: false,
          resourceTypes: ["AWS::EC2::Instance", "AWS::S3::Bucket"],
        },
      },
    }),
  );

  // Security Hub and GuardDuty on in us-east-1 only.
  await on.get("securityhub").send(new EnableSecurityHubCommand({ EnableDefaultStandards: true }));
  await on.get("guardduty").send(
    new CreateDetectorCommand({
      Enable: true,
      FindingPublishingFrequency: "FIFTEEN_MINUTES",
      Features: [
        { Name: "S3_DATA_EVENTS", Status: "ENABLED" },
        { Name: "EKS_AUDIT_LOGS", Status: "ENABLED" },
        { Name: "RDS_LOGIN_EVENTS", Status: "ENABLED" },
        { Name: "LAMBDA_NETWORK_LOGS", Status: "ENABLED" },
        { Name: "RUNTIME_MONITORING", Status: "ENABLED" },
        { Name: "EBS_MALWARE_PROTECTION", Status: "ENABLED" },
      ],
    }),
  );
  // Macie is turned off in both regions. moto 5.2.1 starts every account with Macie on and answers
  // GetMacieSession for it with a `createdAt` the SDK cannot parse (no time zone): a coverage gap. So the demo
  // has no enabled twin for Macie (its answers are tested over stubbed clients instead).
  await Promise.all([on, off].map((c) => c.get("macie2").send(new DisableMacieCommand({}))));

  // A security contact; billing and operations contacts are left unregistered.
  await on.get("account").send(
    new PutAlternateContactCommand({
      AlternateContactType: "SECURITY",
      Name: "Security Team",
      Title: "Security",
      EmailAddress: "security@example.com",
      PhoneNumber: "+1-555-0100",
    }),
  );

  return {
    created: {
      "config:recorder": 2,
      "config:delivery-channel": 1,
      "securityhub:hub": 1,
      "guardduty:detector": 1,
      "account:alternate-contact": 1,
    },
  };
}
