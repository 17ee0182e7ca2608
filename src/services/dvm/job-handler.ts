/**
 * One job request, answered once across restarts and replicas (docs/dvm.md): read it (ours?
 * expired? encrypted?), claim it in dvm_job, check its author's rate, say `processing`, work
 * it out, keep the signed answer with the claim, publish it and say `success`. A request
 * already answered (another relay delivered it too, or it came again after a restart) is
 * answered by publishing the kept event again; one another replica is working on is left.
 */
import { claimDvmJob, finishDvmJob } from "../../core/db/dvm-jobs.js";
import type { Profile } from "../../core/db/migrate.js";
import type { DbOutage } from "../../core/db-outage.js";
import type { Logger } from "../../core/logger.js";
import type { ServiceContext } from "../../core/service.js";
import { toError } from "../../models/errors.js";
import type { NostrEvent } from "../../models/event-types.js";
import type { DvmConfig } from "./config.js";
import { EVENT_COUNT_KIND, eventCountJob, type JobAnswer } from "./event-count-job.js";
import type { DvmMetrics, RequestOutcome } from "./metrics.js";
import { paymentRequiredEvent, priceOf } from "./payment.js";
import { RELAY_QUERY_KIND, relayQueryJob } from "./relay-query-job.js";
import { type JobRequest, type ReadOutcome, readJobRequest } from "./request.js";
import { feedbackEvent, resultEvent, type Signer } from "./responses.js";

export const JOB_KINDS = [EVENT_COUNT_KIND, RELAY_QUERY_KIND] as const;

export interface JobHandlerEnv {
  db: ServiceContext["db"];
  config: DvmConfig;
  profile: Profile;
  allowPrivate: boolean;
  holder: string;
  pubkey: string;
  signer: Signer;
  metrics: DvmMetrics;
  outage: DbOutage;
  log: Logger;
  /** Publishes to every relay of the DVM; resolves when each has answered or failed. */
  publish(event: NostrEvent): Promise<void>;
}

const STATEMENT_TIMEOUT = "57014";

async function work(job: JobRequest, env: JobHandlerEnv): Promise<JobAnswer> {
  const jobEnv = {
    db: env.db,
    profile: env.profile,
    allowPrivate: env.allowPrivate,
    maxResultBytes: env.config.max_result_bytes,
  };
  try {
    if (job.event.kind === EVENT_COUNT_KIND) return await eventCountJob(job, jobEnv);
    return await relayQueryJob(job, {
      ...jobEnv,
      maxPageSize: env.config.max_page_size,
      now: env.signer.now(),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === STATEMENT_TIMEOUT) {
      const s = env.config.statement_timeout;
      return { ok: false, reason: `the job ran past the ${s} s statement timeout; narrow it` };
    }
    if (env.outage.failed(error) === undefined) {
      env.log.warn({ err: toError(error), request: job.event.id }, "dvm_job_failed");
    }
    return { ok: false, reason: "the job failed; try again later" };
  }
}

/** A request another process (or this one, before a restart) has answered: the same again. */
async function answerAgain(
  event: NostrEvent,
  claim: { status: string; response: NostrEvent | null },
  env: JobHandlerEnv,
): Promise<RequestOutcome> {
  if (claim.response === null) return "busy";
  // An unpaid result is never sent: the customer is told the price again.
  const price = priceOf(env.config, event.kind);
  const again =
    claim.status === "awaiting_payment" && price !== null
      ? paymentRequiredEvent(event, price, env.signer)
      : claim.response;
  await env.publish(again);
  return "republished";
}

/** The answer of a claimed job: refused (rate, unreadable) or worked out. */
async function workOut(
  read: Exclude<ReadOutcome, { kind: "ignore" }>,
  job: Pick<JobRequest, "event" | "encrypted">,
  limited: boolean,
  env: JobHandlerEnv,
): Promise<JobAnswer> {
  const { jobs, window } = env.config.rate_limit;
  if (limited) return { ok: false, reason: `rate-limited: at most ${jobs} jobs in ${window} s` };
  if (read.kind === "error") return { ok: false, reason: read.reason };
  await env.publish(feedbackEvent(job, "processing", "", env.signer));
  return work(read.job, env);
}

/** Claims, answers and keeps one job; returns the outcome label. */
async function answer(
  event: NostrEvent,
  read: Exclude<ReadOutcome, { kind: "ignore" }>,
  env: JobHandlerEnv,
): Promise<RequestOutcome> {
  const now = env.signer.now();
  const claim = await claimDvmJob(env.db, {
    requestId: event.id,
    kind: event.kind,
    requester: event.pubkey,
    createdAt: event.created_at,
    holder: env.holder,
    now,
    staleAfter: env.config.claim_timeout,
    rateSince: now - env.config.rate_limit.window,
  });
  if (!claim.claimed) return answerAgain(event, claim, env);
  const limited = claim.recent > env.config.rate_limit.jobs;
  const job = read.kind === "job" ? read.job : { event, encrypted: false };
  const answered = await workOut(read, job, limited, env);
  const response =
    answered.ok && read.kind === "job"
      ? resultEvent(read.job, answered.content, env.signer)
      : feedbackEvent(job, "error", answered.ok ? "" : answered.reason, env.signer);
  const price = answered.ok ? priceOf(env.config, event.kind) : null;
  const status = price !== null ? "awaiting_payment" : answered.ok ? "done" : "failed";
  const finished = { requestId: event.id, holder: env.holder, now: env.signer.now() };
  if (!(await finishDvmJob(env.db, finished, status, response))) return "busy";
  if (price !== null) {
    await env.publish(paymentRequiredEvent(event, price, env.signer));
    return "awaiting_payment";
  }
  await env.publish(response);
  if (!answered.ok) return limited ? "rate_limited" : "failed";
  await env.publish(feedbackEvent(job, "success", "", env.signer));
  return "answered";
}

/** Handles one request event delivered by a relay (never throws). */
export async function handleJobRequest(event: NostrEvent, env: JobHandlerEnv): Promise<void> {
  const read = readJobRequest(event, env.pubkey, env.signer.secretKey, env.signer.now());
  let outcome: RequestOutcome;
  if (read.kind === "ignore") {
    outcome = read.reason === "other_dvm" ? "ignored_other" : "ignored_expired";
  } else {
    try {
      outcome = await answer(event, read, env);
      env.outage.succeeded();
    } catch (error) {
      if (env.outage.failed(error) === undefined) {
        env.log.warn({ err: toError(error), request: event.id }, "dvm_request_failed");
      }
      outcome = "unavailable";
    }
  }
  env.metrics.requests.inc({ kind: String(event.kind), outcome });
  env.log.debug({ request: event.id, kind: event.kind, outcome }, "dvm_request_handled");
}
