import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildImage, imageExists } from "./docker.js";
import { run } from "./run.js";

const IMAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), "images");
const REPO = "bigbrotr-compose-test";

/**
 * Debian packages of the one base image every stand-in is built on: what deployments/Dockerfile
 * installs (so its apt-get steps find them installed and fetch nothing), and the servers of
 * the compose files' other images. Grafana is not packaged by Debian, so it does not run.
 */
const PACKAGES = [
  "ca-certificates",
  "tini",
  "python3",
  "make",
  "g++",
  "postgresql-15",
  "pgbouncer",
  "prometheus",
  "prometheus-alertmanager",
  "prometheus-postgres-exporter",
  "wget",
];
const SUITE = "bookworm";
const PATH_ENV =
  "PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Compose services whose official image has a local stand-in (images/<name>.Dockerfile). */
export const STAND_INS = [
  "postgres",
  "pgbouncer",
  "prometheus",
  "alertmanager",
  "postgres-exporter",
] as const;

/** The local images the compose override names: the stand-ins and the Node base of the app. */
export type LocalImages = Record<(typeof STAND_INS)[number] | "node", string>;

const hash = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 12);

/** debootstrap --variant=minbase + docker import; cached under a tag keyed on the package list. */
async function baseImage(workDir: string, log: string): Promise<string> {
  const tag = `${REPO}/${SUITE}:${hash(SUITE, PATH_ENV, ...PACKAGES)}`;
  if (await imageExists(tag)) return tag;
  const mirror = process.env.COMPOSE_TEST_MIRROR ?? "http://deb.debian.org/debian";
  const root = join(workDir, "rootfs");
  rmSync(root, { recursive: true, force: true });
  console.log(`base image: debootstrap ${SUITE} from ${mirror} (a few minutes, once)`);
  const include = `--include=${PACKAGES.join(",")}`;
  await run("debootstrap", ["--variant=minbase", include, SUITE, root, mirror], { log });
  // Package downloads and lists are not needed offline; Debian's own cluster is not ours.
  for (const p of ["var/cache/apt/archives", "var/lib/apt/lists", "var/lib/postgresql/15/main"]) {
    rmSync(join(root, p), { recursive: true, force: true });
  }
  rmSync(join(root, "etc/postgresql/15/main"), { recursive: true, force: true });
  mkdirSync(join(root, "var/lib/apt/lists/partial"), { recursive: true });
  await run(
    "sh",
    ["-c", `tar -C '${root}' -c . | docker import --change 'ENV ${PATH_ENV}' - '${tag}'`],
    {
      log,
    },
  );
  rmSync(root, { recursive: true, force: true });
  return tag;
}

/** Where the running Node keeps its binary, headers and npm (any layout: deb, tarball). */
function hostNode() {
  const bin = realpathSync(process.execPath);
  const prefix = dirname(dirname(bin));
  const npmDir = [
    join(prefix, "lib/node_modules/npm"),
    "/usr/lib/node_modules/npm",
    "/usr/share/nodejs/npm",
  ]
    .map((p) => {
      try {
        return realpathSync(p);
      } catch {
        return "";
      }
    })
    .find((p) => p !== "");
  if (!npmDir) throw new Error("cannot find npm next to this Node; install npm");
  return { bin, include: join(prefix, "include/node"), npmDir };
}

/** The host's Node and npm on the base, with a copy of the host's npm cache (npm ci offline). */
async function nodeImage(base: string, workDir: string, log: string): Promise<string> {
  const lock = readFileSync(new URL("../../package-lock.json", import.meta.url));
  const tag = `${REPO}/node:${process.version.slice(1)}-${hash(base, lock.toString())}`;
  if (await imageExists(tag)) return tag;
  const node = hostNode();
  const ctx = join(workDir, "node-context");
  rmSync(ctx, { recursive: true, force: true });
  mkdirSync(join(ctx, "node/bin"), { recursive: true });
  cpSync(node.bin, join(ctx, "node/bin/node"));
  cpSync(node.include, join(ctx, "node/include/node"), { recursive: true });
  cpSync(node.npmDir, join(ctx, "node/npm"), { recursive: true });
  const cache = (await run("npm", ["config", "get", "cache"])).stdout.trim();
  cpSync(join(cache, "_cacache"), join(ctx, "npm-cache/_cacache"), { recursive: true });
  cpSync(join(IMAGES_DIR, "node.Dockerfile"), join(ctx, "Dockerfile"));
  await buildImage({
    tag,
    dockerfile: join(ctx, "Dockerfile"),
    context: ctx,
    args: { BASE: base },
    log,
  });
  rmSync(ctx, { recursive: true, force: true });
  return tag;
}

/** Builds (or finds cached) every stand-in image; builds run with --network none. */
export async function localImages(workDir: string, log: string): Promise<LocalImages> {
  const base = await baseImage(workDir, log);
  const node = await nodeImage(base, workDir, log);
  const built: Record<string, string> = {};
  for (const name of STAND_INS) {
    const tag = `${REPO}/${name}:${base.split(":")[1]}`;
    const dockerfile = join(IMAGES_DIR, `${name}.Dockerfile`);
    await buildImage({ tag, dockerfile, context: IMAGES_DIR, args: { BASE: base }, log });
    built[name] = tag;
  }
  return { node, ...built } as LocalImages;
}
