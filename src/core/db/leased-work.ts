/**
 * The leased-work loop of every service that several processes may run (validator, monitor,
 * synchronizer, the jobs to come). A cycle lists due items, takes their leases (leases.ts),
 * works on each within its network's concurrency limit, keeps the leases alive meanwhile
 * (lease-heartbeat.ts) and gives each back once its outcome is durable, whether the work
 * succeeded or failed. It starts by giving back the leases its own earlier cycle could not (the
 * database was away then). Before it lists (and before each single take) it expires the leases of
 * this host's dead processes: a restarted process takes its predecessor's items at once.
 *
 * A service gives its name, a TTL, how to list due items and the work on one. By default a
 * page is taken at once and each lease goes back after the work, or once `settled` (the
 * monitor: its batch committed). `finishPage`: a page's results handled together, then its
 * leases go back (the validator: one transaction per chunk). `take: "each"` takes an item
 * only when its network has a free slot, and `holdToEnd` keeps every lease until `drain` ran
 * (the synchronizer: until its writer committed the cursors).
 */
import pLimit, { type LimitFunction } from "p-limit";
import { BrotrError } from "../../models/errors.js";
import { NETWORKS, type Network } from "../../models/index.js";
import type { NetworksConfig } from "../config/schemas.js";
import { HeldLeases } from "./lease-heartbeat.js";
import {
  acquireLeases,
  deleteExpiredLeases,
  expireDeadHolders,
  leaseHolder,
  releaseLeases,
} from "./leases.js";
import type { Db } from "./pool.js";

/** Something worked on under a lease: it runs within its network's limit. */
export interface LeasedItem {
  readonly network: Network;
}

export interface LeasedWorkOptions {
  /** The service whose items these are (the lease's `service`). */
  service: string;
  /** This process's holder name (default: leaseHolder(), host:pid:random). */
  holder?: string | undefined;
  /** Items run at once per enabled network: its `max_tasks`. Disabled networks get no slot. */
  networks: NetworksConfig;
  /** Seconds a lease lasts without renewal; it is renewed every third of that while held. */
  ttl: number;
}

/** What a cycle runs with (a ServiceContext fits). */
export interface LeaseCycleContext {
  readonly db: Db;
  now(): number;
  readonly signal: AbortSignal;
}

export interface LeasedCycle<T extends LeasedItem, R> {
  /** The item's lease key (a relay URL). */
  key(item: T): string;
  /** Due items, at most `max`; none ends the cycle. Called again whenever there is room. */
  list(max: number): Promise<readonly T[]>;
  /**
   * The work on one item, within its network's limit. A throw ends the cycle: nothing more
   * is started, the running items finish, every lease goes back and the error is rethrown.
   */
  work(item: T): Promise<R>;
  /** Items listed at once at most (default: no bound). */
  pageSize?: number;
  /** Items taken and not yet worked on, at most: listing waits below it (default: pageSize). */
  ahead?: number;
  /** Items worked on at most this cycle (default: no bound). */
  cap?: number;
  /** "page" (default): a listed page is taken at once; "each": each item when its slot frees. */
  take?: "page" | "each";
  /** Of the items just taken, those still to work on: the others go back at once. */
  recheck?(taken: readonly T[]): Promise<readonly T[]>;
  /** Resolves once the item's result is durable: its lease goes back then (default: at once). */
  settled?(item: T, result: R): Promise<unknown> | undefined;
  /** A page's results, aligned with it (undefined: not worked on), before its leases go back. */
  finishPage?(page: readonly T[], results: readonly (R | undefined)[]): Promise<void>;
  /** Every lease is kept until the cycle ends, after `drain`. */
  holdToEnd?: boolean;
  /** Runs once the work is done, before the leases still held go back (a writer's last flush). */
  drain?(): Promise<void>;
  /** Items listed that another process holds. */
  onLeasedElsewhere?(items: readonly T[]): void;
  /** Leases found taken by another process while held (they had run out). */
  onLost?(keys: string[]): void;
}

export interface LeasedCycleCounts {
  /** Items leased and worked on (or about to be, when the cycle stopped). */
  taken: number;
  /** Items listed that another process held. */
  leasedElsewhere: number;
  /**
   * Leases of this host's dead processes expired so that they could be taken, and this
   * holder's own left over from a cycle the database failed.
   */
  reclaimed: number;
}

export interface LeasedWork {
  readonly holder: string;
  /** The enabled networks, in NETWORKS order: list only their items. */
  readonly networks: readonly Network[];
  /** Items that can run at once over all enabled networks. */
  readonly slots: number;
  runCycle<T extends LeasedItem, R>(
    ctx: LeaseCycleContext,
    cycle: LeasedCycle<T, R>,
  ): Promise<LeasedCycleCounts>;
  /** Deletes this service's expired leases (housekeeping); returns how many. */
  cleanup(ctx: { readonly db: Db; now(): number }): Promise<number>;
}

interface Shared {
  service: string;
  holder: string;
  ttl: number;
  limits: ReadonlyMap<Network, LimitFunction>;
}

/** The loop of one service: its holder name and per-network limits are made once, here. */
export function leasedWork(options: LeasedWorkOptions): LeasedWork {
  const networks = NETWORKS.filter((n) => options.networks[n].enabled);
  const shared: Shared = {
    service: options.service,
    holder: options.holder ?? leaseHolder(),
    ttl: options.ttl,
    limits: new Map(networks.map((n) => [n, pLimit(options.networks[n].max_tasks)])),
  };
  return {
    holder: shared.holder,
    networks,
    slots: networks.reduce((sum, n) => sum + options.networks[n].max_tasks, 0),
    runCycle: (ctx, cycle) => new LeaseCycle(shared, ctx, cycle).run(),
    cleanup: (ctx) => deleteExpiredLeases(ctx.db, ctx.now(), shared.service),
  };
}

/** The work's result, or none when the item was not worked on. */
type Outcome<R> = { result: R } | undefined;

class LeaseCycle<T extends LeasedItem, R> {
  readonly #s: Shared;
  readonly #ctx: LeaseCycleContext;
  readonly #c: LeasedCycle<T, R>;
  readonly #leases: HeldLeases;
  readonly #running = new Set<Promise<Outcome<R>>>();
  readonly #settling = new Set<Promise<void>>();
  #failure: { error: unknown } | undefined;
  readonly counts: LeasedCycleCounts = { taken: 0, leasedElsewhere: 0, reclaimed: 0 };

  constructor(shared: Shared, ctx: LeaseCycleContext, cycle: LeasedCycle<T, R>) {
    this.#s = shared;
    this.#ctx = ctx;
    this.#c = cycle;
    const { service, holder, ttl } = shared;
    const lost = { onLost: cycle.onLost };
    this.#leases = new HeldLeases(ctx.db, { service, holder, ttl, now: ctx.now, ...lost });
  }

  async run(): Promise<LeasedCycleCounts> {
    try {
      await this.#releaseLeftovers();
      await this.#loop();
    } catch (error) {
      this.#fail(error);
    }
    await this.#finish();
    if (this.#failure !== undefined) throw this.#failure.error;
    return this.counts;
  }

  /** Shutdown, or a failure: nothing more is started. */
  get #stopped(): boolean {
    return this.#ctx.signal.aborted || this.#failure !== undefined;
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
  }

  async #loop(): Promise<void> {
    const c = this.#c;
    const cap = c.cap ?? Number.POSITIVE_INFINITY;
    const pageSize = c.pageSize ?? Number.POSITIVE_INFINITY;
    const ahead = c.ahead ?? pageSize;
    let scheduled = 0;
    while (!this.#stopped && scheduled < cap) {
      while (this.#running.size >= ahead) await Promise.race(this.#running);
      await this.#reclaim();
      const page = await c.list(Math.min(pageSize, cap - scheduled, ahead - this.#running.size));
      if (page.length === 0) break;
      if (c.take === "each") {
        for (const item of page) this.#start(item, () => this.#takeOne(item));
        scheduled += page.length;
        continue;
      }
      const taken = await this.#takePage(page);
      if (taken.length === 0) continue;
      scheduled += taken.length;
      const tasks = taken.map((item) => this.#start(item));
      if (c.finishPage) await this.#finishPage(taken, tasks);
    }
  }

  /**
   * Gives back the leases this holder still has from an earlier cycle of its own: one that the
   * database failed before it could give them back (an outage). No other cycle of this loop
   * runs now, and listing skips leased items: they would wait for their TTL.
   */
  async #releaseLeftovers(): Promise<void> {
    const { service, holder } = this.#s;
    this.counts.reclaimed += await releaseLeases(this.#ctx.db, service, holder);
  }

  /** Expires the leases of this host's dead processes, so that they can be taken now. */
  async #reclaim(): Promise<void> {
    const { service, holder } = this.#s;
    const now = this.#ctx.now();
    const expired = await expireDeadHolders(this.#ctx.db, service, holder, now);
    this.counts.reclaimed += expired;
  }

  async #take(keys: string[]): Promise<Set<string>> {
    const { service, holder, ttl } = this.#s;
    const request = { service, holder, ttl, now: this.#ctx.now(), items: keys };
    const taken = await acquireLeases(this.#ctx.db, request);
    this.#leases.hold(taken);
    return taken;
  }

  #elsewhere(items: readonly T[]): void {
    if (items.length === 0) return;
    this.counts.leasedElsewhere += items.length;
    this.#c.onLeasedElsewhere?.(items);
  }

  async #takePage(page: readonly T[]): Promise<readonly T[]> {
    const key = (item: T) => this.#c.key(item);
    const taken = await this.#take(page.map(key));
    this.#elsewhere(page.filter((i) => !taken.has(key(i))));
    let items: readonly T[] = page.filter((i) => taken.has(key(i)));
    if (this.#c.recheck && items.length > 0) {
      const still = await this.#c.recheck(items);
      const keep = new Set(still.map(key));
      await this.#leases.release(items.map(key).filter((k) => !keep.has(k)));
      items = still;
    }
    this.counts.taken += items.length;
    return items;
  }

  async #takeOne(item: T): Promise<boolean> {
    await this.#reclaim();
    const taken = await this.#take([this.#c.key(item)]);
    if (taken.size === 0) this.#elsewhere([item]);
    else this.counts.taken++;
    return taken.size > 0;
  }

  /** Runs one item within its network's limit (taking it first when `take` is given). */
  #start(item: T, take?: () => Promise<boolean>): Promise<Outcome<R>> {
    const limit = this.#s.limits.get(item.network);
    if (limit === undefined) throw new BrotrError(`no slot for network ${item.network}`);
    const task = limit(async (): Promise<Outcome<R>> => {
      if (this.#stopped || (take && !(await take()))) return undefined;
      const result = await this.#c.work(item);
      this.#settle(item, result);
      return { result };
    }).catch((error: unknown) => {
      this.#fail(error);
      return undefined;
    });
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
    return task;
  }

  /** Gives the item's lease back once its result is durable (unless the page or cycle holds it). */
  #settle(item: T, result: R): void {
    const c = this.#c;
    if (c.holdToEnd || c.finishPage) return;
    const key = c.key(item);
    const settled = c.settled?.(item, result);
    if (settled === undefined) {
      void this.#leases.release([key]);
      return;
    }
    const done = settled.then(
      () => void this.#leases.release([key]),
      (error: unknown) => {
        this.#fail(error);
        void this.#leases.release([key]);
      },
    );
    this.#settling.add(done);
  }

  async #finishPage(page: readonly T[], tasks: Promise<Outcome<R>>[]): Promise<void> {
    const outcomes = await Promise.all(tasks);
    try {
      await this.#c.finishPage?.(
        page,
        outcomes.map((o) => o?.result),
      );
    } finally {
      await this.#leases.release(page.map((item) => this.#c.key(item)));
    }
  }

  /** Waits for the work, drains, waits for durability, then gives every lease still held back. */
  async #finish(): Promise<void> {
    await Promise.all(this.#running);
    try {
      await this.#c.drain?.();
    } catch (error) {
      this.#fail(error);
    }
    await Promise.all(this.#settling);
    await this.#leases.releaseAll();
  }
}
