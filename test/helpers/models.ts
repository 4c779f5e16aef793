import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";

export type Script = (prompt: string, call: number) => string;

/**
 * A scripted LangChain chat model: each call's answer is computed by `script` from the prompt text. It
 * records every prompt so tests can assert what the code sent, and how often.
 */
export function scriptedModel(script: Script, maxCalls = 500) {
  const model = fakeModel();
  const prompts: string[] = [];
  for (let i = 0; i < maxCalls; i++) {
    model.respond((messages: BaseMessage[]) => {
      const text = messages
        .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
        .join("\n");
      prompts.push(text);
      return new AIMessage(script(text, prompts.length));
    });
  }
  return { model, prompts };
}

/** Item ids of a pre-check prompt (they are JSON inside the items block). */
export function itemIdsOf(prompt: string): string[] {
  // The instructions show the shape with a "..." placeholder; real ids are in the items block.
  return [...prompt.matchAll(/"itemId": "([^"]+)"/g)].map((m) => m[1]!).filter((id) => id !== "...");
}

/** A well-formed pre-check answer for every item in the prompt. */
export const precheckAnswer =
  (verdict: (id: string) => "fine" | "needs_analysis" | "not_applicable" = () => "needs_analysis"): Script =>
  (prompt) =>
    JSON.stringify({
      items: itemIdsOf(prompt).map((id) => ({ itemId: id, verdict: verdict(id), note: "scripted triage" })),
    });

/** A well-formed analysis answer citing nothing (valid whatever was retrieved). */
export const analysisAnswer: Script = () =>
  JSON.stringify({
    rationale: "The resource configuration breaks the control because the setting is off.",
    citations: [],
    businessImpact: "Data could be exposed to people who should not see it.",
    fixSteps: ["Turn the setting on.", "Scan again to verify."],
  });
