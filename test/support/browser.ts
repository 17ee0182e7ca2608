import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { startTestApi, type TestApi } from "./api.js";
import { findTool, toolPath } from "./external-tool.js";
import { createTestDatabase, type TestDatabase } from "./pg.js";

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
  page.on("requestfailed", (r) => {
    // The live feed's EventSource, closed when the view changes, ends as an aborted request.
    const closedFeed =
      r.url().includes("/v1/stream") && r.failure()?.errorText === "net::ERR_ABORTED";
    if (!closedFeed) problems.push(`requestfailed: ${r.url()}`);
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  return { page, problems, foreign };
}

/** An explorer over its own database, in a watched Chromium page (see startExplorer). */
export interface ExplorerSession extends WatchedPage {
  db: TestDatabase;
  api: TestApi;
  browser: Browser;
  /** Opens `hash` (e.g. "#/events?kinds=1") and waits until `view` has rendered. */
  open(hash: string, view: string): Promise<void>;
  /** Waits until `view` has rendered (after a click or a history move). */
  ready(view: string): Promise<void>;
  /** A full-page screenshot in ARTIFACTS/<name>.png. */
  shot(name: string): Promise<void>;
  /** Takes `pattern`'s console errors (a refused fetch the page shows) off the problems: how many. */
  expectProblems(pattern: RegExp): number;
  close(): Promise<void>;
}

/**
 * A database filled by `fill`, the API with the explorer over it (clock at `now`) and a watched
 * Chromium page of `viewport` (default 1280×900).
 */
export async function startExplorer(
  fill: (db: TestDatabase) => Promise<unknown>,
  options: { now?: number; viewport?: { width: number; height: number } } = {},
): Promise<ExplorerSession> {
  const db = await createTestDatabase();
  await fill(db);
  const api = await startTestApi(db.pool, {}, { explorer: true, ...options });
  const browser = await launchBrowser();
  const origin = api.url.replace(/\/$/, "");
  const w = await watchedPage(browser, origin);
  if (options.viewport) await w.page.setViewportSize(options.viewport);
  const ready = async (view: string) => {
    await w.page.waitForSelector(`body[data-ready="${view}"]`);
  };
  return {
    ...w,
    db,
    api,
    browser,
    ready,
    async open(hash, view) {
      await w.page.goto(`${origin}/${hash}`);
      await ready(view);
    },
    async shot(name) {
      await w.page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    expectProblems(pattern) {
      const matching = w.problems.filter((p) => pattern.test(p));
      for (const p of matching) w.problems.splice(w.problems.indexOf(p), 1);
      return matching.length;
    },
    async close() {
      await browser.close();
      await api.close();
      await db.drop();
    },
  };
}
