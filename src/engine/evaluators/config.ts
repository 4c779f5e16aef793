import type { ConfigurationItem } from "../../domain/types.ts";
import { quote, unreadableReason } from "./policy.ts";
import type { Evaluator } from "./types.ts";

const RECORDER = "AWS::Config::ConfigurationRecorder";
/** IAM's types are the global ones Config records only where a recorder includes them. */
const GLOBAL_TYPES = ["AWS::IAM::User", "AWS::IAM::Role", "AWS::IAM::Group", "AWS::IAM::Policy"];

interface RecordingGroup {
  allSupported?: boolean | null;
  includeGlobalResourceTypes?: boolean | null;
  resourceTypes?: string[] | null;
}

/** What one region's recorder does for the global types: records them, does not (why), or cannot be read. */
function globalRecording(recorder: ConfigurationItem): { ok: boolean; text: string } | { error: string } {
  const config = recorder.configuration as { recorderExists?: boolean; recordingGroup?: RecordingGroup };
  if (config.recorderExists !== true) return { ok: false, text: "no recorder" };
  const status = recorder.supplementaryConfiguration.status;
  const unreadable = unreadableReason(status, `the recorder status in ${recorder.awsRegion}`);
  if (unreadable) return { error: unreadable };
  const recording = (status as { recording?: unknown } | null)?.recording === true;
  const group = config.recordingGroup ?? {};
  const listed = group.resourceTypes ?? [];
  const covers =
    group.allSupported === true
      ? group.includeGlobalResourceTypes === true
      : GLOBAL_TYPES.every((t) => listed.includes(t));
  if (!covers)
    return {
      ok: false,
      text:
        group.allSupported === true
          ? `includeGlobalResourceTypes is ${quote(group.includeGlobalResourceTypes)}`
          : `resourceTypes lack ${GLOBAL_TYPES.filter((t) => !listed.includes(t)).join(", ")}`,
    };
  if (!recording) return { ok: false, text: "records global types but is not recording" };
  return { ok: true, text: "records global IAM resource types and is recording" };
}

/**
 * CIS asks for Config in every region; the global (IAM) types need only be recorded once per account, and AWS
 * recommends exactly one region so they are not recorded many times over. Passes when at least one region does.
 */
const configGlobalResourceTypesRecorded: Evaluator = (account, _params, ctx) => {
  const recorders = ctx.itemsOfType(RECORDER, account.accountId);
  if (recorders.length === 0)
    return {
      error: "this inventory holds no AWS Config recorder information for the account (Config not scanned)",
    };
  const seen: string[] = [];
  const unreadable: string[] = [];
  for (const recorder of recorders) {
    const verdict = globalRecording(recorder);
    if ("error" in verdict) {
      unreadable.push(verdict.error);
      continue;
    }
    if (verdict.ok)
      return {
        pass: true,
        reason: `the recorder in ${recorder.awsRegion} ${verdict.text}`,
        evidence: { region: recorder.awsRegion, recorder: recorder.resourceId },
      };
    seen.push(`${recorder.awsRegion}: ${verdict.text}`);
  }
  const gaps = ctx.gapsOf("config", account.accountId);
  if (unreadable.length > 0 || gaps.length > 0)
    return {
      error: [
        ...unreadable,
        ...gaps.map((g) => `config in ${g.region} could not be read (${g.code ?? g.error})`),
      ].join("; "),
    };
  return {
    pass: false,
    reason: `no region's recorder records the global IAM resource types (${seen.sort().join("; ")}); expected one region that does`,
    evidence: { regions: seen },
  };
};

export const configEvaluators = { configGlobalResourceTypesRecorded };
