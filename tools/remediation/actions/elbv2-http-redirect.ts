import { z } from "zod";
import type { FieldState, PlannedCall } from "../../../src/domain/remediation.ts";
import { lowerCamelKeys } from "../../../src/domain/shape.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, sameValue, targetOf } from "../util.ts";

/** The redirect every HTTP listener gets: same host, path and query on HTTPS port 443, permanently. */
const REDIRECT_SDK = {
  Type: "redirect",
  RedirectConfig: {
    Protocol: "HTTPS",
    Port: "443",
    Host: "#{host}",
    Path: "/#{path}",
    Query: "#{query}",
    StatusCode: "HTTP_301",
  },
};

interface ListenerView {
  listenerArn?: string | null;
  port?: number | null;
  protocol?: string | null;
  defaultActions?: Record<string, unknown>[];
}

/** Default actions as the collector records them (lowerCamel), without `order`, which AWS may or may not echo. */
function normalise(actions: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return actions.map((a) => {
    const { order: _o, ...rest } = lowerCamelKeys<Record<string, unknown>>(a);
    return rest;
  });
}

const REDIRECT = normalise([REDIRECT_SDK])[0]!;

/** lowerCamel keys back to the SDK's PascalCase (values untouched), for ModifyListener. */
function sdkCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sdkCase);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), sdkCase(v)]),
    );
  }
  return value;
}

const FIELD_PREFIX = "listener:";

function modify(listenerArn: string, region: string, actions: unknown[]): PlannedCall {
  return {
    service: "elbv2",
    operation: "ModifyListener",
    region,
    input: { ListenerArn: listenerArn, DefaultActions: actions },
  };
}

function redirectsToHttps(actions: readonly Record<string, unknown>[]): boolean {
  return actions.some(
    (a) =>
      a.type === "redirect" && (a.redirectConfig as { protocol?: unknown } | undefined)?.protocol === "HTTPS",
  );
}

/** Makes every plain HTTP listener of an Application Load Balancer redirect to HTTPS. */
export const elbv2HttpRedirectToHttps: RemediationAction = {
  id: "elbv2_http_redirect_to_https",
  title: "Redirect the load balancer's HTTP listeners to HTTPS",
  description:
    "Replaces the default action of each HTTP listener that serves traffic with a permanent (301) redirect to the same host, path and query on HTTPS port 443. The HTTPS listener must already exist.",
  resourceTypes: ["AWS::ElasticLoadBalancingV2::LoadBalancer"],
  fixes: ["elbv2_alb_http_redirects_to_https"],
  risk: "medium",
  reversible: true,
  rollbackNote:
    "Reversible: each listener's previous default action (forward, fixed response) is put back exactly as it was read.",
  operations: { write: ["elbv2:ModifyListener"], read: ["elbv2:DescribeListeners"] },
  params: z.object({}).strict(),
  plan(item) {
    if (item.configuration.type !== "application") {
      throw new PlanError("only Application Load Balancers can redirect HTTP to HTTPS");
    }
    const listeners = readable(item.supplementaryConfiguration.listeners, "the load balancer's listeners") as
      | ListenerView[]
      | null
      | undefined;
    const all = listeners ?? [];
    if (!all.some((l) => l.protocol === "HTTPS" && l.port === 443)) {
      throw new PlanError(
        "the load balancer has no HTTPS listener on port 443: a redirect would send every client to a port nobody answers; add the HTTPS listener (with its certificate) first",
      );
    }
    const target = targetOf(item);
    const before: FieldState = {};
    const after: FieldState = {};
    const calls: PlannedCall[] = [];
    for (const l of all) {
      const actions = l.defaultActions ?? [];
      if (l.protocol !== "HTTP" || !l.listenerArn || redirectsToHttps(actions)) continue;
      if (actions.length !== 1) {
        throw new PlanError(
          `HTTP listener ${l.listenerArn} has ${actions.length} default actions; change it by hand`,
        );
      }
      before[`${FIELD_PREFIX}${l.listenerArn}`] = normalise(actions);
      after[`${FIELD_PREFIX}${l.listenerArn}`] = [REDIRECT];
      calls.push(modify(l.listenerArn, target.region, [REDIRECT_SDK]));
    }
    return {
      target,
      calls,
      before,
      after,
      notes: [
        "Clients that do not follow redirects (many API clients, health checkers, old devices) stop working over plain HTTP; POST requests are re-sent as GET by most clients after a 301.",
        "Browsers cache a 301: after a rollback, visitors who saw the redirect keep going to HTTPS until their cache expires.",
        "Listener rules are not changed: requests matching a rule of the HTTP listener are still served by that rule.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "elbv2",
      operation: "DescribeListeners",
      region: plan.target.region,
      input: { LoadBalancerArn: plan.target.resourceId },
    });
    const byArn = new Map(
      (
        (answer.Listeners as { ListenerArn?: string; DefaultActions?: Record<string, unknown>[] }[]) ?? []
      ).map((l) => [l.ListenerArn, l.DefaultActions ?? []] as const),
    );
    const state: FieldState = {};
    for (const field of Object.keys(plan.before)) {
      const actions = byArn.get(field.slice(FIELD_PREFIX.length));
      state[field] = actions ? normalise(actions) : null;
    }
    return state;
  },
  remainingCalls(plan, current) {
    return plan.calls.filter(
      (c) =>
        !sameValue(
          current[`${FIELD_PREFIX}${c.input.ListenerArn}`],
          plan.after[`${FIELD_PREFIX}${c.input.ListenerArn}`],
        ),
    );
  },
  rollback(plan, prior) {
    const calls: PlannedCall[] = [];
    for (const [field, actions] of Object.entries(prior)) {
      if (!Array.isArray(actions) || sameValue(actions, plan.after[field])) continue;
      calls.push(modify(field.slice(FIELD_PREFIX.length), plan.target.region, actions.map(sdkCase)));
    }
    return { calls };
  },
};
