import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { findTool, toolPath } from "./external-tool.js";

/** Debian's chromium, driven by playwright-core (which downloads no browser of its own). */
export const CHROMIUM = findTool(
  "chromium",
  ["/usr/bin/chromium"],
  "apt-get install --no-install-recommends chromium",
);

/** Where each browser test keeps its screenshots (gitignored). */
export const ARTIFACTS = resolve("test-artifacts/explorer");

/**
 * Headless chromium that cannot reach beyond loopback: every other host resolves to nothing
 * and goes to a dead proxy; background services (updates, sync) are off. `--no-sandbox`
 * because tests and CI run as root.
 */
export async function launchBrowser(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: toolPath(CHROMIUM),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--proxy-server=http://127.0.0.1:9",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests seen so far. */
  problems: string[];
  /** Requests to anything but the server under test. */
  foreign: string[];
}

/** A page that records what a person would call errors, and any request off `origin`. */
export async function watchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const foreign: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  return { page, problems, foreign };
}
