import type { Command } from "commander";
import type { ReportFormat } from "../../report/model.ts";
import { startScan } from "../../services/scan-service.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import type { Io } from "../output.ts";
import { createProgress } from "../progress.ts";
import { formatOption, parseFormat, renderAndEmit, writeHtmlCopy } from "./scan.ts";

export function registerDemo(program: Command, io: Io, globals: () => GlobalOptions) {
  program
    .command("demo")
    .description("evaluate the bundled sample account on the embedded defaults and print the posture")
    .addOption(formatOption())
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--frameworks <ids>", "comma-separated framework ids (default: all)")
    .action(async (opts: { format?: ReportFormat; output?: string; frameworks?: string }) => {
      const format = parseFormat(opts.format, io);
      await withApp(io, globals(), async (app) => {
        const progress = createProgress(io);
        let scanId: string;
        try {
          const scan = await startScan(app, {
            source: { kind: "demo" },
            frameworks: opts.frameworks
              ?.split(",")
              .map((s) => s.trim())
              .filter(Boolean),
            requestedBy: app.config.user,
            onProgress: progress.onEvent,
          });
          scanId = scan.id;
        } finally {
          progress.stop();
        }
        const report = await renderAndEmit(app, io, scanId, format, opts.output);
        const html = await writeHtmlCopy(app, io, report);
        io.stderr.write(`HTML report: ${html}\n`);
      });
    });
}
