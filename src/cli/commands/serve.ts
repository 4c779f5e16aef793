import type { Command } from "commander";
import { parseCorsOrigins } from "../../api/security.ts";
import { createServer } from "../../api/server.ts";
import { type App, createApp } from "../../app.ts";
import { loadConfig } from "../../config/index.ts";
import { errorMessage, UsageError } from "../../errors.ts";
import { createLogger } from "../../logger.ts";
import { ScheduleRunner, ScheduleService } from "../../services/schedules.ts";
import { createWatcher } from "../../services/watch.ts";
import { dashboardRouter } from "../../web/index.ts";
import type { GlobalOptions } from "../context.ts";
import type { Io } from "../output.ts";

interface ServeOptions {
  port?: string;
  host: string;
  rateLimit: string;
  burst: string;
  maxScans: string;
  grace: string;
}

function whole(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} ${value} is not valid; give a whole number from ${min} to ${max}`);
  }
  return n;
}

/** Resolves when the process is asked to stop (SIGINT / SIGTERM). */
function stopRequested(): Promise<string> {
  return new Promise((resolve) => {
    const done = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

/** Runs the watcher in the background until stopped; a failure is logged and retried, never fatal to the API. */
async function startWatching(app: App): Promise<{ stop(): Promise<void> }> {
  const watcher = await createWatcher(app);
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await watcher.run({ signal: stop.signal });
      } catch (error) {
        app.logger.error({ err: errorMessage(error) }, "the watcher stopped; restarting in 5 s");
        await new Promise((r) => setTimeout(r, 5_000));
      }
    }
  })();
  app.logger.info({ queueUrl: app.config.events.queueUrl }, "watching the events queue");
  return {
    async stop() {
      stop.abort(new Error("server stopping"));
      await loop;
      watcher.close();
    },
  };
}

export function registerServe(program: Command, io: Io, globals: () => GlobalOptions) {
  program
    .command("serve")
    .description("run the REST API (and dashboard) with /healthz, /readyz and /metrics")
    .option("--port <port>", "port to listen on (ENFORCEAI_PORT; default 8080; 0 picks a free one)")
    .option("--host <address>", "address to listen on; 0.0.0.0 for every interface", "127.0.0.1")
    .option("--rate-limit <perSecond>", "requests per second per API key, or off", "20")
    .option("--burst <n>", "requests an API key may send at once", "60")
    .option("--max-scans <n>", "scans running at once", "2")
    .option("--grace <seconds>", "on SIGTERM, how long to wait for requests and scans in flight", "10")
    .action(async (opts: ServeOptions) => {
      const port = whole(opts.port ?? io.env.ENFORCEAI_PORT ?? "8080", "--port", 0, 65535);
      const rateLimit =
        opts.rateLimit === "off"
          ? (false as const)
          : {
              perSecond: whole(opts.rateLimit, "--rate-limit", 1, 1_000_000),
              burst: whole(opts.burst, "--burst", 1, 1_000_000),
            };
      const maxScans = whole(opts.maxScans, "--max-scans", 1, 100);
      const graceMs = whole(opts.grace, "--grace", 0, 3600) * 1000;
      let corsOrigins: string[];
      try {
        corsOrigins = parseCorsOrigins(io.env.ENFORCEAI_CORS_ORIGINS);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }

      const config = loadConfig(io.env, { isTTY: !!io.stderr.isTTY });
      const level = globals().verbose ? "debug" : io.env.ENFORCEAI_LOG_LEVEL ? config.log.level : "info";
      const app = await createApp(config, { logger: createLogger({ level, format: config.log.format }) });
      try {
        // ENFORCEAI_SCAN_SCHEDULE into the schedules table (a bad value stops start-up here).
        await new ScheduleService(app).syncConfig(config.scanSchedule);
        const server = await createServer(app, {
          corsOrigins,
          rateLimit,
          maxConcurrentScans: maxScans,
          // The dashboard: static files under /, calling the API with the signed-in key.
          extra: (root) => root.use(dashboardRouter()),
        });
        const { url } = await server.listen(port, opts.host);
        // Scheduled scans: the runner starts due scans in this server.
        const schedules = new ScheduleRunner({
          store: app.store,
          logger: app.logger,
          clock: app.clock,
          start: (request) => server.services.jobs.start(request),
          awsEndpoint: config.aws.endpoint,
        });
        schedules.start();
        // ENFORCEAI_WATCH_IN_SERVE=true: this server also consumes the events queue.
        const watching = config.events.inServe ? await startWatching(app) : undefined;
        const activeKeys = await app.store.reads.activeApiKeyCount();
        io.stderr.write(
          `EnforceAI API listening on ${url} (dashboard: ${url}/, OpenAPI document: ${url}/api/v1/openapi.json)\n`,
        );
        if (activeKeys === 0) {
          io.stderr.write("No API keys yet: create one with `enforceai keys create --role admin`.\n");
        }
        if (opts.host !== "127.0.0.1" && opts.host !== "localhost" && opts.host !== "::1") {
          io.stderr.write(
            "Listening beyond this machine: put TLS in front (a load balancer or reverse proxy).\n",
          );
        }
        const signal = await stopRequested();
        io.stderr.write(
          `${signal}: stopping (waiting up to ${graceMs / 1000} s for requests and scans in flight)\n`,
        );
        await watching?.stop();
        await schedules.stop();
        await server.close(graceMs);
      } finally {
        await app.close();
      }
    });
}
