import { z } from "zod";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

/** Turns on automatic yearly rotation of a customer managed symmetric KMS key. */
export const kmsEnableKeyRotation: RemediationAction = {
  id: "kms_enable_key_rotation",
  title: "Turn on automatic rotation for the KMS key",
  description:
    "Enables automatic rotation of the key material. The key id, ARN and policy stay the same; old material is kept to decrypt existing data.",
  resourceTypes: ["AWS::KMS::Key"],
  fixes: ["kms_cmk_rotation_enabled"],
  risk: "low",
  reversible: true,
  rollbackNote: "Reversible: rotation is turned off again; material already rotated stays in the key.",
  operations: {
    write: ["kms:EnableKeyRotation", "kms:DisableKeyRotation"],
    read: ["kms:GetKeyRotationStatus"],
  },
  params: z.object({}).strict(),
  plan(item) {
    const rotation = readable(
      item.supplementaryConfiguration.keyRotationEnabled,
      "the key's rotation status",
    );
    if (rotation === null || rotation === undefined) {
      throw new PlanError(
        "rotation does not apply to this key (AWS managed, asymmetric, imported material or pending deletion)",
      );
    }
    const target = targetOf(item);
    return {
      target,
      calls: [
        {
          service: "kms",
          operation: "EnableKeyRotation",
          region: target.region,
          input: { KeyId: target.resourceId },
        },
      ],
      before: { keyRotationEnabled: rotation === true },
      after: { keyRotationEnabled: true },
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "kms",
      operation: "GetKeyRotationStatus",
      region: plan.target.region,
      input: { KeyId: plan.target.resourceId },
    });
    return { keyRotationEnabled: answer.KeyRotationEnabled === true };
  },
  rollback(plan, prior) {
    if (prior.keyRotationEnabled === true) return { calls: [] };
    return {
      calls: [
        {
          service: "kms",
          operation: "DisableKeyRotation",
          region: plan.target.region,
          input: { KeyId: plan.target.resourceId },
        },
      ],
    };
  },
};
