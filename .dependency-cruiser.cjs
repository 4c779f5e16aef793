/**
 * The dependency rule (docs/architecture.md): rings import inward only, and no module imports itself back
 * through another. `npm run lint` runs it; a violation fails CI.
 *
 * Rings, innermost first. A file may import its own ring and the rings before it, never one after it.
 */
const RINGS = [
  // 0 domain: shapes and pure rules every ring shares
  { name: "domain", path: "^src/(domain/|errors\\.ts$|paths\\.ts$)" },
  // 1 core: the engine (catalog, conditions, evaluators, scoring), remediation planning rules, the event table
  { name: "core", path: "^src/(engine|planning|events)/" },
  // 2 adapters: configuration, persistence, cache, models, knowledge index, renderers, AWS, notifications
  {
    name: "adapters",
    path: "^(src/(config|store|cache|llm|knowledge|report|notify)/|src/logger\\.ts$|tools/)",
  },
  // 3 application: the approval queue, the state machines, the services, and the composition root
  { name: "remediation", path: "^src/remediation/" },
  { name: "graphs", path: "^graphs/" },
  { name: "services", path: "^src/services/" },
  { name: "composition", path: "^src/app\\.ts$" },
  // 4 edges: how people and programs reach it
  { name: "edges", path: "^src/(cli|api|web)/" },
];

const outward = RINGS.flatMap((ring, i) =>
  RINGS.slice(i + 1).map((outer) => ({
    name: `${ring.name}-not-to-${outer.name}`,
    comment: `the ${ring.name} ring must not depend on the ${outer.name} ring (rings import inward only)`,
    severity: "error",
    from: { path: ring.path },
    to: { path: outer.path },
  })),
);

module.exports = {
  forbidden: [
    ...outward,
    {
      name: "no-circular",
      comment: "a cycle makes two modules one; break it by moving the shared part inward",
      severity: "error",
      from: { path: "^(src|graphs|tools)/" },
      to: { circular: true },
    },
    {
      name: "aws-access-below-actions",
      comment: "remediation actions use the AWS access value; the access value knows nothing of actions",
      severity: "error",
      from: { path: "^tools/aws/" },
      to: { path: "^tools/remediation/" },
    },
    {
      name: "edges-apart",
      comment: "the CLI, the API and the dashboard share services, not each other's internals",
      severity: "error",
      from: { path: "^src/(api|web)/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-tests-from-source",
      comment: "production code never imports test code",
      severity: "error",
      from: { path: "^(src|graphs|tools)/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|static)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".mjs"],
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
    },
  },
};
