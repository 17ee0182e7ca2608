/** Layer rules of the "diamond": models <- core / utils <- nips <- services <- cli, api. */
/** A rule: only `importer` (and `folder` itself) may import src/`folder`/. */
const onlyFrom = (name, folder, importer, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: "^src/", pathNot: `^src/(${importer}|${folder})/` },
  to: { path: `^src/${folder}/` },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Circular imports make the layers meaningless.",
      from: {},
      to: { circular: true },
    },
    {
      name: "models-are-pure",
      severity: "error",
      comment: "models import only other models, node builtins for pure crypto, and zod.",
      from: { path: "^src/models" },
      to: {
        pathNot: ["^src/models", "node_modules/zod", "^(node:)?(crypto|url|net|buffer)$"],
      },
    },
    {
      name: "core-above-models-only",
      severity: "error",
      from: { path: "^src/core" },
      to: { path: "^src/(utils|nips|services|cli|api)" },
    },
    {
      name: "utils-above-models-only",
      severity: "error",
      from: { path: "^src/utils" },
      to: { path: "^src/(core|nips|services|cli|api)" },
    },
    {
      name: "nips-above-utils-models",
      severity: "error",
      from: { path: "^src/nips" },
      to: { path: "^src/(core|services|cli|api)" },
    },
    {
      name: "services-not-above",
      severity: "error",
      from: { path: "^src/services" },
      to: { path: "^src/(cli|api)" },
    },
    {
      name: "services-no-sql",
      severity: "error",
      comment:
        "Every statement on a shared table lives in its owner in core/db; services call those functions (and the transaction helper), never the driver or the SQL helpers. test/unit/services/no-sql.test.ts catches SQL text.",
      from: { path: "^src/services" },
      to: {
        path: [
          "^src/core/db/(sql|copy)\\.ts$",
          "(^|/)node_modules/(pg|pg-pool|pg-protocol|pg-copy-streams)/",
        ],
      },
    },
    {
      name: "no-service-imports-another",
      severity: "error",
      comment:
        "What two services share goes down a layer: a table's SQL or a lease to core/db, a reading of the config to core/config, what they are handed to core/service-deps.ts, a probe to nips.",
      from: { path: "^src/services/([^/]+)/" },
      to: {
        path: "^src/services/([^/]+)/",
        pathNot: ["^src/services/$1/"],
      },
    },
    {
      name: "api-reads-only",
      severity: "error",
      comment:
        "The API reads through core/db/read (shared reads) and core/db/api (its own reads), SELECTs only, and never writes: no table owner, no SQL helper, no driver, no service, nip or util. The saved documents it reads, it reads through their owners: the service names and the candidates (listCandidates). ONE exception (docs/architecture.md, 'The API's one write'): alert subscriptions, through their owner core/db/alert-subscriptions.ts.",
      from: { path: "^src/api" },
      to: {
        path: [
          "^src/(services|nips|utils|devnet)/",
          "^src/core/db/(?!read/|api/|pool\\.ts$|errors\\.ts$|service-state/(services|candidates)\\.ts$|alert-subscriptions\\.ts$)",
          "(^|/)node_modules/(pg|pg-pool|pg-protocol|pg-copy-streams)/",
        ],
      },
    },
    onlyFrom(
      "db-api-only-from-api",
      "core/db/api",
      "api",
      "core/db/api holds the reads only the API makes (docs/architecture.md, 'Where database code lives'); a read another consumer needs moves to core/db/read.",
    ),
    onlyFrom(
      "db-status-only-from-cli",
      "core/db/status",
      "cli",
      "core/db/status holds the reads only `bigbrotr status` makes across several owners.",
    ),
    {
      name: "fs-only-where-documented",
      severity: "error",
      comment:
        "Files are read only by the code docs/architecture.md lists (Layers): the config loader, the migrator and embedded server, the seeder, the monitor key, the GeoIP/ASN readers, the verifier and the explorer's assets. Another module that needs a file gets its contents or a reader from cli.",
      from: {
        path: "^src",
        pathNot: [
          "^src/cli/",
          "^src/core/config/load\\.ts$",
          "^src/core/db/(migrate|embedded|embedded-files|embedded-clients)\\.ts$",
          "^src/services/seeder/service\\.ts$",
          "^src/utils/(monitor-key|geoip|mmdb-file|asn-file|asn-file-build)\\.ts$",
          "^src/utils/verify/(backend|worker-pool)\\.ts$",
          "^src/api/routes/explorer\\.ts$",
        ],
      },
      to: { path: "^(node:)?fs(/promises)?$" },
    },
    {
      name: "nothing-imports-cli",
      severity: "error",
      from: { pathNot: "^src/cli" },
      to: { path: "^src/cli" },
    },
    {
      name: "nothing-imports-api",
      severity: "error",
      from: { pathNot: "^src/(api|cli)" },
      to: { path: "^src/api" },
    },
    onlyFrom(
      "devnet-only-from-cli",
      "devnet",
      "cli",
      "The local relay network is a tool for the CLI and tests, never a runtime dependency.",
    ),
    {
      name: "devnet-below-services",
      severity: "error",
      from: { path: "^src/devnet" },
      to: { path: "^src/(services|cli|api)" },
    },
    {
      name: "not-to-dev-dep",
      severity: "error",
      comment: "Runtime code must not import devDependencies.",
      from: { path: "^src" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
