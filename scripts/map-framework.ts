/**
 * Maps framework controls to checks in place, keeping the file's comments and layout.
 *
 *   npx tsx scripts/map-framework.ts knowledge/frameworks/aws-fsbp-1.0.yaml map.json [--replace] [--dry-run]
 *
 * The map (JSON or YAML) is `{ "<controlId>": ["<checkId>", ...] }`. Each named control gets `checks: [...]`,
 * loses `manual`/`manualReason`, and loses a `# pending: <service>` comment on its id. A control that already has
 * checks keeps them and gains the new ones, unless --replace is given. Unknown control ids and check ids that no
 * file under knowledge/checks defines are errors; nothing is written then.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isMap, isScalar, isSeq, parse, parseDocument, type Scalar, type YAMLMap } from "yaml";
import { PACKAGE_ROOT } from "../src/paths.ts";

const LINE_WIDTH = 116;

function usage(message: string): never {
  console.error(`map-framework: ${message}`);
  console.error(
    "usage: npx tsx scripts/map-framework.ts <framework.yaml> <map.json|map.yaml> [--replace] [--dry-run]",
  );
  process.exit(2);
}

function knownCheckIds(dir: string): Set<string> {
  const ids = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) {
        const raw = parse(readFileSync(p, "utf8")) as { id?: unknown } | null;
        if (raw && typeof raw.id === "string") ids.add(raw.id);
      }
    }
  };
  walk(dir);
  return ids;
}

function readMap(file: string): Map<string, string[]> {
  const raw = parse(readFileSync(file, "utf8")) as unknown;
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    usage(`${file}: expected an object {controlId: [checkIds]}`);
  const map = new Map<string, string[]>();
  for (const [controlId, checks] of Object.entries(raw as Record<string, unknown>)) {
    const list = typeof checks === "string" ? [checks] : checks;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((c) => typeof c === "string" && c.length > 0)
    ) {
      usage(`${file}: "${controlId}" must map to a non-empty list of check ids`);
    }
    map.set(controlId, list as string[]);
  }
  return map;
}

/** Drops a `pending: ...` comment, keeping any other comment text. */
function withoutPending(comment: string | null | undefined): string | undefined {
  if (!comment) return undefined;
  const kept = comment
    .split("\n")
    .filter((line) => !/^\s*pending:/.test(line))
    .join("\n");
  return kept.trim() === "" ? undefined : kept;
}

function main(): void {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const [frameworkFile, mapFile] = args.filter((a) => !a.startsWith("--"));
  for (const f of flags) if (f !== "--replace" && f !== "--dry-run") usage(`unknown option ${f}`);
  if (!frameworkFile || !mapFile) usage("needs a framework file and a map file");

  const text = readFileSync(frameworkFile, "utf8");
  const doc = parseDocument(text);
  if (doc.errors.length > 0) usage(`${frameworkFile}: ${doc.errors[0]!.message}`);
  const controls = doc.get("controls");
  if (!isSeq(controls)) usage(`${frameworkFile}: no controls list`);

  const wanted = readMap(mapFile);
  const known = knownCheckIds(path.join(PACKAGE_ROOT, "knowledge", "checks"));
  const problems: string[] = [];
  for (const [controlId, checks] of wanted) {
    for (const c of checks) if (!known.has(c)) problems.push(`control "${controlId}": unknown check "${c}"`);
  }

  const byId = new Map<string, YAMLMap>();
  for (const item of controls.items) {
    if (!isMap(item)) continue;
    const id = item.get("id");
    if (typeof id === "string") byId.set(id, item);
  }
  for (const controlId of wanted.keys()) {
    if (!byId.has(controlId)) problems.push(`control "${controlId}" is not in ${frameworkFile}`);
  }
  if (problems.length > 0) {
    console.error(problems.map((p) => `map-framework: ${p}`).join("\n"));
    process.exit(1);
  }

  for (const [controlId, checks] of wanted) {
    const control = byId.get(controlId)!;
    const existing = flags.has("--replace") ? [] : ((control.toJSON() as { checks?: string[] }).checks ?? []);
    const merged = [...new Set([...existing, ...checks])];
    control.delete("manual");
    control.delete("manualReason");
    const seq = doc.createNode(merged);
    // A short list stays on one line like the hand-written files; a long one becomes a block list.
    seq.flow = `    checks: [${merged.join(", ")}]`.length <= LINE_WIDTH;
    control.set("checks", seq);
    const idPair = control.items.find((p) => isScalar(p.key) && p.key.value === "id");
    if (idPair && isScalar(idPair.value)) {
      const idNode = idPair.value as Scalar;
      idNode.comment = withoutPending(idNode.comment);
    }
    control.commentBefore = withoutPending(control.commentBefore);
    console.log(`${controlId}: checks [${merged.join(", ")}]`);
  }

  const out = doc.toString({ lineWidth: LINE_WIDTH, minContentWidth: 40, flowCollectionPadding: false });
  if (flags.has("--dry-run")) process.stdout.write(out);
  else writeFileSync(frameworkFile, out);
}

main();
