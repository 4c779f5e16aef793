import { z } from "zod";
import { rdsBaseParams, rdsModifyAction } from "./rds-modify.ts";

const plain = rdsBaseParams.strict();

export const rdsEnableDeletionProtection = rdsModifyAction({
  id: "rds_enable_deletion_protection",
  title: "Turn on deletion protection for the DB instance",
  description:
    "Sets DeletionProtection on the instance, so it cannot be deleted until the flag is turned off.",
  fixes: ["rds_instance_deletion_protection"],
  risk: "low",
  rollbackNote: "Reversible: deletion protection is turned off again.",
  field: "deletionProtection",
  sdkField: "DeletionProtection",
  params: plain,
  wanted: () => true,
  notes: [
    "Deleting the instance (also from CloudFormation or Terraform) fails until the flag is turned off.",
  ],
});

const backupParams = rdsBaseParams
  .extend({ retentionDays: z.number().int().min(1).max(35).optional() })
  .strict();

export const rdsSetBackupRetention = rdsModifyAction({
  id: "rds_set_backup_retention",
  title: "Set the automated backup retention period",
  description:
    "Sets BackupRetentionPeriod to at least the configured minimum (rdsMinBackupRetentionDays), so automated backups and point-in-time recovery are kept.",
  fixes: ["rds_instance_backup_enabled"],
  risk: "medium",
  rollbackNote:
    "Reversible to a shorter non-zero period. Not safe back to 0: turning backups off deletes the automated backups made meanwhile.",
  field: "backupRetentionPeriod",
  sdkField: "BackupRetentionPeriod",
  params: backupParams,
  wanted: (item, p, ctx) => {
    const current =
      typeof item.configuration.backupRetentionPeriod === "number"
        ? item.configuration.backupRetentionPeriod
        : 0;
    return Math.max(p.retentionDays ?? ctx.settings.rdsMinBackupRetentionDays, current, 1);
  },
  notes: [
    "Turning backups on for an instance that had none takes a first snapshot; single-AZ instances may pause I/O briefly.",
    "Backup storage beyond the allocated storage is billed.",
  ],
  unsafeRollback: (prior) =>
    prior === 0 || prior === null
      ? "the instance had no automated backups; setting the period back to 0 would delete every automated backup made since"
      : undefined,
});

export const rdsDisablePublicAccess = rdsModifyAction({
  id: "rds_disable_public_access",
  title: "Make the DB instance private",
  description:
    "Sets PubliclyAccessible to false: the instance's DNS name resolves to its private address only.",
  fixes: ["rds_instance_not_publicly_accessible"],
  risk: "high",
  rollbackNote: "Reversible: PubliclyAccessible is set back to true.",
  field: "publiclyAccessible",
  sdkField: "PubliclyAccessible",
  params: plain,
  wanted: () => false,
  notes: ["Clients outside the VPC (and its peered networks or VPN) can no longer connect."],
});

export const rdsEnableAutoMinorUpgrade = rdsModifyAction({
  id: "rds_enable_auto_minor_upgrade",
  title: "Turn on automatic minor version upgrades",
  description:
    "Sets AutoMinorVersionUpgrade, so RDS applies minor engine versions in the maintenance window.",
  fixes: ["rds_instance_auto_minor_version_upgrade"],
  risk: "low",
  rollbackNote: "Reversible: automatic minor upgrades are turned off again (versions already applied stay).",
  field: "autoMinorVersionUpgrade",
  sdkField: "AutoMinorVersionUpgrade",
  params: plain,
  wanted: () => true,
  notes: ["Minor upgrades restart the instance during its maintenance window."],
});
