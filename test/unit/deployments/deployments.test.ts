import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findTool, skipWithout, toolPath } from "../../support/external-tool.js";

// Structural checks of the compose deployments (no Docker engine needed): ports, ordering,
// roles, scrape targets, and that every metric the dashboards and alerts use exists.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const DEPLOYMENTS = join(ROOT, "deployments");
const PROFILES = ["bigbrotr", "lilbrotr", "_template"] as const;
const SHARED_MONITORING = join(DEPLOYMENTS, "bigbrotr", "monitoring");
const PROMTOOL = findTool(
  "promtool",
  ["promtool", "/usr/bin/promtool"],
  "apt-get install --no-install-recommends prometheus (Debian ships /usr/bin/promtool)",
);

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  restart?: string;
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(path, "utf8");
const dockerfile = read(join(DEPLOYMENTS, "Dockerfile"));
/** The runtime image's WORKDIR, where relative paths of the config resolve. */
const WORKDIR = [...dockerfile.matchAll(/^WORKDIR (\S+)$/gm)].at(-1)?.[1] ?? "?";
const yamlFile = <T>(path: string): T => parse(read(path), { merge: true }) as T;
const compose = (profile: string) =>
  yamlFile<Compose>(join(DEPLOYMENTS, profile, "docker-compose.yaml"));

/** Services built from deployments/Dockerfile (they all carry a `build` from the x-app anchor). */
function appServices(c: Compose): [string, ComposeService][] {
  return Object.entries(c.services).filter(([, s]) => s.build !== undefined);
}
const longRunning = (c: Compose) =>
  appServices(c).filter(([name, s]) => name !== "init" && s.restart === "unless-stopped");
const enabledByDefault = (s: ComposeService) => !s.profiles?.length;

function hostPorts(c: Compose): string[] {
  return Object.values(c.services).flatMap((s) => s.ports ?? []);
}

function scrapeTargets(profile: string): Map<string, string[]> {
  const file = join(DEPLOYMENTS, profile, "monitoring", "prometheus", "prometheus.yml");
  const prom = yamlFile<{
    scrape_configs: {
      job_name: string;
      static_configs?: { targets: string[] }[];
      /** Services behind a compose profile: a target only while their container runs. */
      dns_sd_configs?: { names: string[]; port: number }[];
    }[];
  }>(file);
  return new Map(
    prom.scrape_configs.map((j) => [
      j.job_name,
      [
        ...(j.static_configs ?? []).flatMap((s) => s.targets),
        ...(j.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
      ],
    ]),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}
const SOURCE = sourceFiles(join(ROOT, "src"))
  .map((f) => read(f))
  .join("\n");

/** Metrics postgres-exporter derives from queries.yaml: <query>_<column> for value columns. */
function exporterMetrics(): Set<string> {
  type Query = { query: string; metrics: Record<string, { usage: string }>[] };
  const queries = yamlFile<Record<string, Query>>(
    join(SHARED_MONITORING, "postgres-exporter", "queries.yaml"),
  );
  const names = new Set<string>();
  for (const [query, def] of Object.entries(queries)) {
    for (const metric of def.metrics) {
      const [column, spec] = Object.entries(metric)[0] ?? [];
      if (column && spec?.usage !== "LABEL") names.add(`${query}_${column}`);
    }
  }
  return names;
}

/** brotr_* and bigbrotr_* names in a PromQL expression, histogram suffixes removed. */
function metricNames(expr: string): string[] {
  const found = expr.match(/(?<![A-Za-z0-9_])(?:big)?brotr_[a-z0-9_]+/g) ?? [];
  return found.map((n) => (n.startsWith("brotr_") ? n.replace(/_(bucket|sum|count)$/, "") : n));
}

function unknownMetrics(exprs: string[]): string[] {
  const exporter = exporterMetrics();
  const names = new Set(exprs.flatMap(metricNames));
  return [...names].filter((n) =>
    n.startsWith("bigbrotr_") ? !exporter.has(n) : !SOURCE.includes(`"${n}"`),
  );
}

describe.each(PROFILES)("%s compose file", (profile) => {
  const c = compose(profile);

  it("binds every host port to 127.0.0.1 and pins every image", () => {
    for (const port of hostPorts(c)) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    for (const [name, s] of Object.entries(c.services)) {
      expect(s.image, name).toMatch(/:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it("runs migrate and roles once, as the admin, straight to PostgreSQL", () => {
    const init = c.services.init;
    expect(init?.restart).toBe("no");
    expect(init?.command?.join(" ")).toMatch(
      /bigbrotr\.js migrate && node bin\/bigbrotr\.js roles/,
    );
    expect(init?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/admin:.*@postgres:5432\//);
    for (const v of [
      "DB_WRITER_PASSWORD",
      "DB_READER_PASSWORD",
      "DB_REFRESHER_PASSWORD",
      "DB_API_PASSWORD",
    ]) {
      expect(init?.environment?.[v]).toContain(`\${${v}`);
      expect(c.services.pgbouncer?.environment?.[v], `pgbouncer ${v}`).toContain(`\${${v}`);
    }
  });

  it("starts every app service after init and connects it through PgBouncer", () => {
    // The relay LISTENs for new events, which PgBouncer's transaction pool drops: it connects
    // to PostgreSQL itself, as the read-only reader.
    const relay = c.services.relay;
    expect(relay?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/reader:.*@postgres:5432\//);
    const apps = appServices(c).filter(([name]) => name !== "init" && name !== "relay");
    expect(apps.map(([n]) => n)).toEqual(expect.arrayContaining(["seeder", "finder", "validator"]));
    for (const [name, s] of apps) {
      expect(s.depends_on?.init?.condition, name).toBe("service_completed_successfully");
      const user = { refresher: "refresher", api: "api" }[name] ?? "writer";
      expect(s.environment?.DATABASE_URL, name).toMatch(
        new RegExp(`^postgres://${user}:.*@pgbouncer:6432/`),
      );
      expect(s.environment?.BIGBROTR_METRICS_HOST, name).toBe("0.0.0.0");
    }
    expect(c.services.seeder?.command).toEqual(["seeder", "--once"]);
    expect(c.services.seeder?.restart).toBe("no");
    for (const [name, s] of longRunning(c)) expect(s.command?.[0]).toBe(name);
  });

  it("runs the api by default on its configured port, published on 127.0.0.1; tor behind `tor`", () => {
    const api = c.services.api;
    const configDir = api?.environment?.BIGBROTR_CONFIG_DIR ?? "";
    const local = join(DEPLOYMENTS, configDir.replace(/^\/app\/deployments\//, ""));
    const config = parse(read(join(local, "services", "api.yaml"))) as { server: { port: number } };
    const port = String(config.server.port);
    expect(api?.command).toEqual(["api"]);
    expect(api?.environment?.BIGBROTR_API_HOST).toBe("0.0.0.0");
    expect(api?.environment?.BIGBROTR_HEALTH_PORT).toBe(port);
    expect(api?.ports).toEqual([
      expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:\\d+:${port}$`)),
    ]);
    expect(scrapeTargets(profile).get("api")).toEqual([`api:${port}`]);
    expect(c.services.tor?.profiles).toEqual(["tor"]);
    for (const name of ["finder", "validator", "monitor", "synchronizer", "refresher", "api"]) {
      expect(enabledByDefault(c.services[name] ?? { profiles: ["missing"] }), name).toBe(true);
    }
  });

  it("keeps the monitor's generated key on a named volume at the data folder it uses", () => {
    // The runner reads and writes monitor.key in database.embedded.data_dir (default ./data).
    const brotr = yamlFile<{ database?: { embedded?: { data_dir?: string } } }>(
      join(DEPLOYMENTS, profile, "config", "brotr.yaml"),
    );
    const dataDir = posix.join(WORKDIR, brotr.database?.embedded?.data_dir ?? "./data");
    const monitor = c.services.monitor;
    expect(monitor?.environment?.NOSTR_PRIVATE_KEY).toMatch(/^\$\{NOSTR_PRIVATE_KEY:-\}$/);
    const mount = (monitor?.volumes ?? []).find((v) => v.split(":")[1] === dataDir);
    const volume = mount?.split(":")[0] ?? "";
    expect(volume, `a volume at ${dataDir}`).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(c.volumes ?? {}).toHaveProperty([volume]);
    expect(mount).not.toMatch(/:ro$/);
    // The image creates that folder for the service user (an absent one would be root's).
    const args = (monitor?.build as { args?: Record<string, string> } | undefined)?.args ?? {};
    const dataArg = args.DATA_DIR ?? dockerfile.match(/^ARG DATA_DIR=(\S+)$/m)?.[1];
    expect(posix.join(WORKDIR, dataArg ?? "?")).toBe(dataDir);
  });

  it("has Prometheus scrape every running service on its health/metrics port", () => {
    const targets = scrapeTargets(profile);
    for (const [name, s] of longRunning(c).filter(([, s]) => enabledByDefault(s))) {
      const port = s.environment?.BIGBROTR_HEALTH_PORT;
      expect(port, name).toMatch(/^\d+$/);
      expect(targets.get(name), name).toEqual([`${name}:${port}`]);
    }
    expect(targets.get("postgres-exporter")).toEqual(["postgres-exporter:9187"]);
  });

  it("scrapes each service on the port its config file enables", () => {
    const configDir = c.services.finder?.environment?.BIGBROTR_CONFIG_DIR ?? "";
    const local = join(DEPLOYMENTS, configDir.replace(/^\/app\/deployments\//, ""));
    const targets = scrapeTargets(profile);
    for (const [name] of longRunning(c)) {
      const file = join(local, "services", `${name}.yaml`);
      if (!existsSync(file)) continue;
      const metrics = (parse(read(file)) as { metrics?: { enabled?: boolean; port?: number } })
        ?.metrics;
      if (metrics?.enabled) expect(targets.get(name), name).toEqual([`${name}:${metrics.port}`]);
    }
  });

  it("mounts only files that exist and names every required secret in .env.example", () => {
    const base = join(DEPLOYMENTS, profile);
    for (const s of Object.values(c.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(":")[0] ?? "";
        if (source.startsWith(".")) expect(existsSync(join(base, source)), v).toBe(true);
      }
    }
    const env = read(join(base, ".env.example"));
    const required = read(join(base, "docker-compose.yaml")).matchAll(/\$\{([A-Z_]+)(:\?|})/g);
    for (const [, name] of required) expect(env).toMatch(new RegExp(`^${name}=`, "m"));
    for (const name of ["DB_ADMIN_PASSWORD", "NOSTR_PRIVATE_KEY", "GRAFANA_PASSWORD"]) {
      expect(env).toMatch(new RegExp(`^${name}=$`, "m"));
    }
  });
});

describe("side by side", () => {
  it("gives each profile its own host ports", () => {
    const seen = new Map<string, string>();
    for (const profile of PROFILES) {
      for (const port of hostPorts(compose(profile))) {
        const host = port.split(":")[1] ?? "";
        expect(seen.get(host), `${profile} reuses ${host}`).toBeUndefined();
        seen.set(host, profile);
      }
    }
  });
});

describe("monitoring", () => {
  const dashboards = readdirSync(join(SHARED_MONITORING, "grafana", "dashboards"));
  type GridPos = { x: number; y: number; w: number; h: number };
  type Panel = { id: number; type: string; targets?: { expr: string }[]; gridPos?: GridPos };
  const dashboard = (file: string) =>
    JSON.parse(read(join(SHARED_MONITORING, "grafana", "dashboards", file))) as {
      uid: string;
      panels: Panel[];
    };

  it.each(dashboards)("dashboard %s parses and uses only metrics that exist", (file) => {
    const dash = dashboard(file);
    expect(dash.uid).toMatch(/^[a-z0-9-]+$/);
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) expect(p.gridPos).toBeDefined();
    const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(20);
    expect(unknownMetrics(exprs)).toEqual([]);
  });

  it.each(dashboards)("dashboard %s places its panels side by side, never on top", (file) => {
    const taken = new Map<string, number>();
    for (const { id, gridPos: g } of dashboard(file).panels) {
      if (!g) continue;
      expect(g.x + g.w, `panel ${id} fits the 24 columns`).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(taken.get(`${x},${y}`), `panel ${id} overlaps at ${x},${y}`).toBeUndefined();
          taken.set(`${x},${y}`, id);
        }
      }
    }
  });

  it("charts every metric the monitor exports", () => {
    const defined = read(join(ROOT, "src", "services", "monitor", "metrics.ts"));
    const names = [...defined.matchAll(/"(brotr_monitor_[a-z0-9_]+)"/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(6);
    const exprs = dashboards.flatMap((f) => dashboard(f).panels.flatMap((p) => p.targets ?? []));
    const charted = new Set(exprs.flatMap((t) => metricNames(t.expr)));
    expect(names.filter((n) => !charted.has(n ?? ""))).toEqual([]);
  });

  const alertsFile = join(SHARED_MONITORING, "prometheus", "alerts.yml");
  type Rule = { alert: string; expr: string; for?: string; labels: Record<string, string> };
  const rules = yamlFile<{ groups: { rules: (Rule & { annotations: object })[] }[] }>(
    alertsFile,
  ).groups.flatMap((g) => g.rules);

  it("has the alert rules the runbook names, each with severity and annotations", () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "ServiceDown",
        "HighFailureRate",
        "ConsecutiveFailures",
        "SlowCycles",
        "StaleService",
        "DatabaseConnectionsHigh",
        "CacheHitRatioLow",
        "StatisticsBehind",
        "ValidatorAllProbesFailing",
        "SynchronizerArchivingStalled",
        "SynchronizerRelaysFailing",
        "MonitorStalled",
        "MonitorMostRelaysDown",
        "MonitorPublishingFailing",
      ]),
    );
    for (const r of rules) {
      expect(["warning", "critical"], r.alert).toContain(r.labels.severity);
      expect(r.annotations, r.alert).toMatchObject({
        summary: expect.any(String),
        description: expect.any(String),
      });
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
    }
    expect(unknownMetrics(rules.map((r) => r.expr))).toEqual([]);
  });

  // Skips without promtool on a developer machine; fails under CI, which installs it.
  // promtool evaluates every rule each simulated minute of every test group: seconds of CPU.
  it.skipIf(skipWithout(PROMTOOL))(
    "passes promtool's rule check and the rule unit tests",
    () => {
      const promtool = toolPath(PROMTOOL);
      const dir = join(SHARED_MONITORING, "prometheus");
      execFileSync(promtool, ["check", "rules", alertsFile], { stdio: "pipe" });
      execFileSync(promtool, ["test", "rules", "alerts.test.yml"], { cwd: dir, stdio: "pipe" });
    },
    30_000,
  );

  it.skipIf(skipWithout(PROMTOOL))("has a prometheus.yml per profile that promtool accepts", () => {
    const promtool = toolPath(PROMTOOL);
    for (const profile of PROFILES) {
      const config = join(DEPLOYMENTS, profile, "monitoring", "prometheus", "prometheus.yml");
      // --syntax-only: rule_files name the container's path (/etc/prometheus/alerts.yml).
      execFileSync(promtool, ["check", "config", "--syntax-only", config], { stdio: "pipe" });
    }
  });

  it("declares every exporter metric with a usage and a description", () => {
    const queries = yamlFile<
      Record<string, { query: string; metrics: Record<string, { usage: string }>[] }>
    >(join(SHARED_MONITORING, "postgres-exporter", "queries.yaml"));
    for (const [name, def] of Object.entries(queries)) {
      expect(name).toMatch(/^bigbrotr_[a-z_]+$/);
      expect(def.query).toMatch(/^\s*SELECT/);
      for (const m of def.metrics) {
        const spec = Object.values(m)[0] as { usage: string; description: string };
        expect(["LABEL", "GAUGE", "COUNTER"]).toContain(spec.usage);
        expect(spec.description).not.toBe("");
      }
    }
  });
});

describe("Dockerfile", () => {
  it("runs the CLI under tini as a non-root user, with a health check", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["tini", "--", "node", "bin/bigbrotr.js"]');
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).toMatch(/^USER bigbrotr$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*BIGBROTR_HEALTH_PORT.*\/health/m);
    expect(dockerfile).toMatch(
      /^ENV BIGBROTR_CONFIG_DIR=\/app\/deployments\/\$\{DEPLOYMENT\}\/config$/m,
    );
  });

  it("gives the service user a private data folder, before USER, for the monitor's key", () => {
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    const mkdir = runtime.match(/^RUN install -d -o bigbrotr -g bigbrotr -m 0700 (\S+)$/m);
    expect(mkdir?.[1]).toBe(`${WORKDIR}/\${DATA_DIR}`);
    expect(runtime.indexOf("ARG DATA_DIR=")).toBeLessThan(runtime.indexOf(mkdir?.[0] ?? "?"));
    expect(runtime.indexOf(mkdir?.[0] ?? "?")).toBeLessThan(runtime.indexOf("USER bigbrotr"));
  });
});
