import {
  type ConfigurationRecorder,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelsCommand,
} from "@aws-sdk/client-config-service";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * A region without a recorder is listed as one synthetic "no recorder" item, so that "Config is on in every
 * region" (CIS 3.0 3.3) can FAIL there instead of having nothing to judge. Its id is `ACCOUNT:REGION:none`.
 */
type Recorder = ConfigurationRecorder & { $none?: true };
const NONE: Recorder = { $none: true };

const recorders = resource({
  resourceType: "AWS::Config::ConfigurationRecorder",
  client: "config",
  list: {
    action: "config:DescribeConfigurationRecorders",
    command: DescribeConfigurationRecordersCommand,
    items: (page): Recorder[] => (page.ConfigurationRecorders?.length ? page.ConfigurationRecorders : [NONE]),
  },
  id: (r: Recorder, ctx) => (r.$none ? `${ctx.accountId}:${ctx.region}:none` : r.name),
  name: (r: Recorder, ctx) => (r.$none ? `no recorder in ${ctx.region}` : r.name),
  arn: (r: Recorder, ctx) =>
    r.arn ??
    `arn:${ctx.partition}:config:${ctx.region}:${ctx.accountId}:config-recorder/${r.$none ? "none" : r.name}`,
  configuration: (r: Recorder) =>
    r.$none ? { recorderExists: false } : { recorderExists: true, ...lowerCamelKeys(r as object) },
  details: [
    detail({
      key: "status",
      action: "config:DescribeConfigurationRecorderStatus",
      command: DescribeConfigurationRecorderStatusCommand,
      when: (r: Recorder) => !r.$none,
      input: (r) => ({ ConfigurationRecorderNames: [r.name!] }),
      pick: (answer) => {
        const status = answer.ConfigurationRecordersStatus?.[0];
        return status ? lowerCamelKeys(status) : null;
      },
    }),
    // Delivery channels belong to the region, not to a recorder; each recorder item carries them.
    detail({
      key: "deliveryChannels",
      action: "config:DescribeDeliveryChannels",
      command: DescribeDeliveryChannelsCommand,
      input: () => ({}),
      pick: (answer) => (answer.DeliveryChannels ?? []).map((c) => lowerCamelKeys(c)),
    }),
  ],
});

export const configSpec: ServiceSpec = { service: "config", global: false, resources: [recorders] };

/** AWS Config recorders per region (or a "no recorder" item), with status and delivery channels. */
export const configCollector = specCollector(configSpec);
