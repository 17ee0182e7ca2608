import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";
import {
  isStatisticsView,
  STATISTICS_VIEWS,
  type StatisticsViewName,
} from "../../core/db/views.js";

const viewName = z
  .string()
  .refine(isStatisticsView, {
    message: `unknown view; known: ${STATISTICS_VIEWS.map((v) => v.name).join(", ")}`,
  })
  .transform((v) => v as StatisticsViewName);

export const refresherConfigSchema = z.strictObject({
  ...serviceBaseShape,
  /** Hourly by default: fresh enough for dashboards, cheap next to the archive's writes. */
  interval: serviceBaseShape.interval.removeDefault().default(3600),
  refresh: z
    .strictObject({
      /** Views to refresh (default: all 13); always refreshed in dependency order. */
      views: z.array(viewName).min(1).optional(),
      /** REFRESH … CONCURRENTLY so readers are never blocked (needs a populated view). */
      concurrently: z.boolean().default(true),
    })
    .prefault({}),
});
export type RefresherConfig = z.output<typeof refresherConfigSchema>;
