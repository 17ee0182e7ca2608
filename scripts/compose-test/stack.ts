import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type LocalImages, STAND_INS } from "./images.js";
import { run } from "./run.js";
import { writeTestConfig } from "./test-config.js";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

interface ComposeFile {
  services: Record<string, { build?: unknown; profiles?: string[]; image?: string }>;
}

/** Services Debian does not package, so no stand-in image exists and they are not started. */
const NOT_PACKAGED = ["grafana"];

/** One deployment under test: its real compose file plus a generated override. */
export class Stack {
  readonly project: string;
  readonly deploymentDir: string;
  readonly composeFile: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly #services: ComposeFile["services"];

  constructor(
    readonly profile: string,
    readonly runDir: string,
    index: number,
  ) {
    this.project = `compose-test-${profile}`;
    this.deploymentDir = join(REPO_ROOT, "deployments", profile);
    this.composeFile = join(this.deploymentDir, "docker-compose.yaml");
    this.#services = (
      parse(readFileSync(this.composeFile, "utf8"), { merge: true }) as ComposeFile
    ).services;
    // A fixed subnet per stack, so the devnet on its gateway keeps its URLs across down/up.
    this.subnet = `172.31.${213 + index}.0/24`;
    this.gateway = `172.31.${213 + index}.1`;
  }

  /** Services started by default (no compose profile) that have an image here. */
  get services(): string[] {
    return Object.entries(this.#services)
      .filter(([name, s]) => !s.profiles?.length && !NOT_PACKAGED.includes(name))
      .map(([name]) => name);
  }

  /** What the compose file holds that this test does not start, with the reason. */
  get notRun(): string[] {
    return Object.entries(this.#services).flatMap(([name, s]) => {
      if (s.profiles?.length) return [`${name} (compose profile ${s.profiles.join(",")})`];
      return NOT_PACKAGED.includes(name) ? [`${name} (no Debian package, no image offline)`] : [];
    });
  }

  get appServices(): string[] {
    return this.services.filter((name) => this.#services[name]?.build !== undefined);
  }

  /** Test secrets, the patched config, the devnet seed folder and the compose override. */
  prepare(images: LocalImages): void {
    mkdirSync(join(this.runDir, "seeds"), { recursive: true });
    writeTestConfig(this.deploymentDir, join(this.runDir, "config"));
    const secret = () => randomBytes(12).toString("hex");
    const env = [
      "DB_ADMIN_PASSWORD",
      "DB_WRITER_PASSWORD",
      "DB_READER_PASSWORD",
      "DB_REFRESHER_PASSWORD",
      "DB_API_PASSWORD",
      "GRAFANA_PASSWORD",
    ];
    writeFileSync(
      join(this.runDir, ".env"),
      `${env.map((k) => `${k}=${secret()}`).join("\n")}\nNOSTR_PRIVATE_KEY=\n`,
    );
    writeFileSync(
      join(this.runDir, "override.json"),
      JSON.stringify(this.override(images), null, 2),
    );
  }

  /**
   * Local stand-ins for the official images, the app image built with --network none from
   * the local Node image, the test config mounted over the image's, and both networks
   * internal (no route out of the machine; a default bridge would NAT out through the host).
   */
  override(images: LocalImages) {
    const services: Record<string, object> = {};
    for (const name of STAND_INS) services[name] = { image: images[name] };
    for (const name of this.appServices) {
      services[name] = {
        image: `bigbrotr-compose-test/${this.profile}-app:0.1.0`,
        build: { args: { NODE_IMAGE: images.node }, network: "none" },
        volumes: [
          `${join(this.runDir, "config")}:/app/deployments/${this.profile}/config:ro`,
          `${join(this.runDir, "seeds")}:/app/compose-test:ro`,
        ],
      };
    }
    return {
      services,
      networks: {
        data: { internal: true, ipam: { config: [{ subnet: this.subnet }] } },
        monitoring: { internal: true },
      },
    };
  }

  compose(args: string[], log: string, allowFailure = false) {
    const files = ["-f", this.composeFile, "-f", join(this.runDir, "override.json")];
    const base = ["-p", this.project, "--env-file", join(this.runDir, ".env"), ...files];
    return run("docker-compose", [...base, ...args], { log, allowFailure });
  }

  /** psql as the admin inside the postgres container; rows of tab-separated fields. */
  async sql(query: string, log: string): Promise<string[][]> {
    const db = this.profile;
    const r = await this.compose(
      [
        "exec",
        "-T",
        "postgres",
        "psql",
        "-U",
        "admin",
        "-d",
        db,
        "-AtF\t",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        query,
      ],
      log,
    );
    return r.stdout
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.split("\t"));
  }
}
