import cliProgress from "cli-progress";
import type { ScanProgressEvent } from "../../graphs/scan.ts";
import type { Io } from "./output.ts";

const STEP_LABEL: Record<string, string> = {
  discover: "Discovering resources",
  evaluate: "Evaluating checks",
  finalize: "Writing results",
};

/**
 * Progress on stderr while a scan runs: one bar per service × region during discovery, and a line per graph
 * step. Silent when stderr is not a terminal, so logs and pipes stay clean.
 */
export function createProgress(io: Io): { onEvent(e: ScanProgressEvent): void; stop(): void } {
  if (!io.stderr.isTTY) return { onEvent() {}, stop() {} };
  const bars = new cliProgress.MultiBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: " {status} {task} {bar} {resources} resources",
      barsize: 16,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_grey,
  );
  const tasks = new Map<string, cliProgress.SingleBar>();
  let stopped = false;
  return {
    onEvent(e) {
      if (stopped) return;
      if (e.type === "discovery") {
        const key = `${e.service.padEnd(10)} ${e.region}`;
        let bar = tasks.get(key);
        if (!bar) {
          bar = bars.create(1, 0, { task: key, status: "…", resources: 0 });
          tasks.set(key, bar);
        }
        if (e.state !== "start") {
          bar.update(1, { status: e.state === "done" ? "✔" : "✖", resources: e.resources ?? 0 });
        }
      } else if (e.type === "node-start") {
        bars.log(`${STEP_LABEL[e.node] ?? e.node}…\n`);
      }
    },
    stop() {
      if (!stopped) bars.stop();
      stopped = true;
    },
  };
}
