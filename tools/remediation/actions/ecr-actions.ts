import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { ConfigurationItem } from "../../../src/domain/types.ts";
import type { Exec, PlanContext, RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { targetOf } from "../util.ts";

const REGISTRY_SCANNING = "AWS::ECR::RegistryScanningConfiguration";

/** `repositoryName` and `registryId` of the repository, as every ECR call takes them. */
function repositoryInput(item: ConfigurationItem): Record<string, unknown> {
  const registryId = item.configuration.registryId;
  return {
    repositoryName: item.resourceId,
    ...(typeof registryId === "string" && registryId ? { registryId } : {}),
  };
}

function identity(input: Record<string, unknown>): Record<string, unknown> {
  return {
    repositoryName: input.repositoryName,
    ...(input.registryId ? { registryId: input.registryId } : {}),
  };
}

async function describeRepository(exec: Exec, call: PlannedCall): Promise<Record<string, unknown>> {
  const { repositoryName, registryId } = identity(call.input);
  const answer = await exec({
    service: "ecr",
    operation: "DescribeRepositories",
    region: call.region,
    input: { repositoryNames: [repositoryName], ...(registryId ? { registryId } : {}) },
  });
  return ((answer.repositories as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
}

function scanning(base: Record<string, unknown>, region: string, scanOnPush: boolean): PlannedCall {
  return {
    service: "ecr",
    operation: "PutImageScanningConfiguration",
    region,
    input: { ...base, imageScanningConfiguration: { scanOnPush } },
  };
}

/** The registry's scan type in the repository's account and region, when the scan recorded it. */
function registryScanType(item: ConfigurationItem, ctx: PlanContext): string | undefined {
  const registry = ctx
    .itemsOfType(REGISTRY_SCANNING)
    .find((r) => r.accountId === item.accountId && r.awsRegion === item.awsRegion);
  const scanType = registry?.configuration.scanType;
  return typeof scanType === "string" ? scanType : undefined;
}

/** Turns on basic scan on push for a repository. */
export const ecrEnableScanOnPush: RemediationAction = {
  id: "ecr_enable_scan_on_push",
  title: "Turn on scan on push for the ECR repository",
  description:
    "Sets the repository's imageScanningConfiguration.scanOnPush, so every image pushed from now on gets a basic vulnerability scan.",
  resourceTypes: ["AWS::ECR::Repository"],
  fixes: ["ecr_repository_image_scanning_enabled"],
  risk: "low",
  reversible: true,
  rollbackNote: "Reversible: scan on push is turned off again; findings of scans already made stay.",
  operations: { write: ["ecr:PutImageScanningConfiguration"], read: ["ecr:DescribeRepositories"] },
  params: z.object({}).strict(),
  plan(item, _p, ctx) {
    const scanType = registryScanType(item, ctx);
    if (scanType === "ENHANCED") {
      throw new PlanError(
        "the registry uses enhanced scanning (Amazon Inspector), which ignores the repository's own scanOnPush flag; add a registry scanning rule whose filter covers this repository instead",
      );
    }
    const config = item.configuration.imageScanningConfiguration as { scanOnPush?: unknown } | null;
    const target = targetOf(item);
    const notes = [
      "Images already in the repository are not scanned by this change; start a scan of the ones in use by hand.",
      "The flag counts only under basic registry scanning: if the registry is switched to enhanced scanning, its rules decide and this flag is ignored.",
    ];
    if (scanType === undefined)
      notes.push("The scan did not record the registry's scanning configuration; basic scanning is assumed.");
    return {
      target,
      calls: [scanning(repositoryInput(item), target.region, true)],
      before: { scanOnPush: config?.scanOnPush === true },
      after: { scanOnPush: true },
      notes,
    };
  },
  async read(exec, plan) {
    const repo = await describeRepository(exec, plan.calls[0]!);
    const config = repo.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
    return { scanOnPush: config?.scanOnPush === true };
  },
  rollback(plan, prior) {
    if (prior.scanOnPush === true) return { calls: [] };
    const call = plan.calls[0]!;
    return { calls: [scanning(identity(call.input), call.region, false)] };
  },
};

function mutability(base: Record<string, unknown>, region: string, value: string): PlannedCall {
  return {
    service: "ecr",
    operation: "PutImageTagMutability",
    region,
    input: { ...base, imageTagMutability: value },
  };
}

/** Makes every tag of a repository immutable. */
export const ecrEnableTagImmutability: RemediationAction = {
  id: "ecr_enable_tag_immutability",
  title: "Make the ECR repository's image tags immutable",
  description:
    "Sets imageTagMutability to IMMUTABLE: a tag, once pushed, always names the same image, and pushing an existing tag again is refused.",
  resourceTypes: ["AWS::ECR::Repository"],
  fixes: ["ecr_repository_tag_immutability_enabled"],
  risk: "medium",
  reversible: true,
  rollbackNote: "Reversible: tag mutability is set back to MUTABLE; images and tags are not touched.",
  operations: { write: ["ecr:PutImageTagMutability"], read: ["ecr:DescribeRepositories"] },
  params: z.object({}).strict(),
  plan(item) {
    const current = item.configuration.imageTagMutability;
    if (current === "MUTABLE_WITH_EXCLUSION" || current === "IMMUTABLE_WITH_EXCLUSION") {
      throw new PlanError(
        `the repository's tag mutability is ${current} with exclusion filters its owner chose; change it by hand so the filters are kept or dropped on purpose`,
      );
    }
    const target = targetOf(item);
    return {
      target,
      calls: [mutability(repositoryInput(item), target.region, "IMMUTABLE")],
      before: { imageTagMutability: typeof current === "string" ? current : "MUTABLE" },
      after: { imageTagMutability: "IMMUTABLE" },
      notes: [
        "Build pipelines that push the same tag again (latest, a branch name, dev) fail from now on with ImageTagAlreadyExistsException; give every build a unique tag (version or commit id) first.",
        "Tags already in the repository stay where they point.",
      ],
    };
  },
  async read(exec, plan) {
    const repo = await describeRepository(exec, plan.calls[0]!);
    return {
      imageTagMutability: typeof repo.imageTagMutability === "string" ? repo.imageTagMutability : null,
    };
  },
  rollback(plan, prior) {
    if (prior.imageTagMutability === "IMMUTABLE") return { calls: [] };
    const call = plan.calls[0]!;
    return { calls: [mutability(identity(call.input), call.region, "MUTABLE")] };
  },
};
