import {
  GetDetectorCommand,
  ListDetectorsCommand,
  ListPublishingDestinationsCommand,
} from "@aws-sdk/client-guardduty";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** A region has at most one detector; without one it is listed as a synthetic "not enabled" item (`NONE`). */
const NONE = "$none";

const detectors = resource({
  resourceType: "AWS::GuardDuty::Detector",
  client: "guardduty",
  list: {
    action: "guardduty:ListDetectors",
    command: ListDetectorsCommand,
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => (page.DetectorIds?.length ? page.DetectorIds : [NONE]),
  },
  id: (id: string, ctx) => (id === NONE ? `${ctx.accountId}:${ctx.region}:none` : id),
  name: (id, ctx) => (id === NONE ? `no detector in ${ctx.region}` : id),
  arn: (id, ctx) =>
    `arn:${ctx.partition}:guardduty:${ctx.region}:${ctx.accountId}:detector/${id === NONE ? "none" : id}`,
  configuration: (id) => ({ detectorExists: id !== NONE, detectorId: id === NONE ? null : id }),
  details: [
    detail({
      key: "detector",
      action: "guardduty:GetDetector",
      command: GetDetectorCommand,
      when: (id: string) => id !== NONE,
      input: (id) => ({ DetectorId: id }),
      pick: (answer) => ({
        status: answer.Status ?? null,
        findingPublishingFrequency: answer.FindingPublishingFrequency ?? null,
        dataSources: answer.DataSources ? lowerCamelKeys(answer.DataSources) : null,
        features: (answer.Features ?? []).map((f) => lowerCamelKeys(f)),
      }),
    }),
    detail({
      key: "publishingDestinations",
      action: "guardduty:ListPublishingDestinations",
      command: ListPublishingDestinationsCommand,
      paging: { input: "NextToken", output: "NextToken" },
      when: (id: string) => id !== NONE,
      otherwise: [],
      input: (id) => ({ DetectorId: id }),
      pick: (answer) => (answer.Destinations ?? []).map((d) => lowerCamelKeys(d)),
    }),
  ],
});

export const guarddutySpec: ServiceSpec = { service: "guardduty", global: false, resources: [detectors] };

/** GuardDuty per region: the detector (status, features, data sources) and its findings export. */
export const guarddutyCollector = specCollector(guarddutySpec);
