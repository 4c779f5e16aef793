import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { localPrincipal } from "../../api/auth.ts";
import { sameIdentity } from "../../domain/identity.ts";
import { ROLES, type Role } from "../../domain/roles.ts";
import { UsageError } from "../../errors.ts";
import { type ChatEvent, createChatService } from "../../services/chat.ts";
import { remediationService } from "../../services/remediation.ts";
import { startScan } from "../../services/scan-service.ts";
import { choiceOption } from "../choices.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { type Io, json } from "../output.ts";

interface ChatOptions {
  message?: string;
  thread?: string;
  role: Role;
  json?: boolean;
}

const THREAD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export function registerChat(program: Command, io: Io, globals: () => GlobalOptions) {
  program
    .command("chat")
    .description("ask about your compliance posture in the terminal (the same agent as the API's chat)")
    .option("-m, --message <text>", "ask one question, print the answer and exit (for scripts)")
    .option("--thread <id>", "continue a conversation (default: a new thread)")
    .addOption(
      choiceOption(
        "--role <role>",
        "act with this role; tools that change things need operator",
        ROLES,
        (value) => `--role ${value} is not a role; use one of ${ROLES.join(", ")}`,
      ).default("admin"),
    )
    .option("--json", "with --message: print the answer, citations and tool calls as JSON")
    .action(async (opts: ChatOptions) => {
      if (opts.thread !== undefined && (!THREAD_ID.test(opts.thread) || opts.thread.startsWith("scan-"))) {
        throw new UsageError("--thread takes letters, digits, _ and - (up to 100, not starting with scan-)");
      }
      if (opts.json && opts.message === undefined) throw new UsageError("--json needs --message");
      if (opts.message !== undefined && opts.message.trim() === "")
        throw new UsageError("--message is empty");

      await withApp(io, globals(), async (app) => {
        const models = await app.models();
        const chat = createChatService({
          store: app.store,
          clock: app.clock,
          logger: app.logger,
          catalog: () => app.catalog(),
          retrieval: () => app.retrieval(),
          model: models?.analysis.model,
          modelId: models?.analysis.id,
          startScan: (request) => startScan(app, request),
          proposeRemediation: async ({ finding, scanId, requestedBy, reason }) => {
            const service = await remediationService(app, () => app.catalog());
            return service.proposeForScan(scanId, [finding], requestedBy, { reason });
          },
        });
        const principal = localPrincipal(app.config.user, opts.role as Role);
        const threadId = opts.thread ?? `cli-${randomBytes(6).toString("hex")}`;
        await chat.threads.claim(threadId, principal.identity, app.clock());
        const owner = (await chat.threads.find(threadId))?.owner;
        if (owner === undefined || !sameIdentity(owner, principal.identity)) {
          throw new UsageError(
            `thread ${threadId} belongs to someone else; start a new one without --thread`,
          );
        }

        const ask = async (message: string, printJson: boolean) => {
          let streamed = false;
          const onEvent = (e: ChatEvent) => {
            if (printJson) return;
            if (e.type === "token") {
              streamed = true;
              io.stdout.write(e.text);
            } else if (e.type === "tool_call") {
              io.stderr.write(`  → ${e.name} ${JSON.stringify(e.args)}\n`);
            } else if (e.type === "tool_result" && !e.ok) {
              io.stderr.write(`  ✗ ${e.name}: ${e.summary}\n`);
            }
          };
          const answer = await chat.send({ threadId, message, principal, onEvent });
          if (printJson) {
            io.stdout.write(json(answer));
            return;
          }
          if (!streamed) io.stdout.write(answer.answer);
          io.stdout.write("\n");
          if (answer.citations.length) {
            io.stdout.write(
              `\nSources:\n${answer.citations
                .map((c) =>
                  c.kind === "finding"
                    ? `  [finding:${c.id}]${c.title ? ` ${c.title}` : ""}`
                    : `  [passage:${c.id}] ${c.framework ?? ""} ${c.controlId ?? ""} (${c.source ?? ""})`,
                )
                .join("\n")}\n`,
            );
          }
        };

        if (opts.message !== undefined) {
          await ask(opts.message, !!opts.json);
          if (!opts.json) io.stderr.write(`(thread ${threadId}; continue it with --thread ${threadId})\n`);
          return;
        }
        io.stderr.write(
          `EnforceAI chat (${chat.mode === "deterministic" ? "no language model: template answers" : chat.mode}). ` +
            `Thread ${threadId}. Type your question; "exit" or Ctrl-D to leave.\n`,
        );
        const rl = createInterface({
          input: process.stdin,
          output: io.stderr as NodeJS.WritableStream,
          terminal: !!process.stdin.isTTY,
        });
        try {
          rl.setPrompt("you> ");
          rl.prompt();
          for await (const line of rl) {
            const message = line.trim();
            if (message === "exit" || message === "quit") break;
            if (message !== "") {
              await ask(message, false).catch((error: unknown) => {
                io.stderr.write(`enforceai: ${(error as Error).message.split("\n")[0]}\n`);
              });
            }
            rl.prompt();
          }
        } finally {
          rl.close();
        }
      });
    });
}
