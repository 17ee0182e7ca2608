import { fileURLToPath } from "node:url";
import { z } from "zod";
import { serviceBaseShape } from "../../core/config/schemas.js";

/**
 * The seed list shipped with the package (`static/seed_relays.txt`), located from this
 * module (src/services/seeder or dist/services/seeder), never from the working directory.
 */
export const DEFAULT_SEED_FILE = fileURLToPath(
  new URL("../../../static/seed_relays.txt", import.meta.url),
);

export const seederConfigSchema = z.strictObject({
  ...serviceBaseShape,
  seed: z
    .strictObject({
      /** Seed file; relative paths are relative to the working directory. */
      file_path: z.string().min(1).default(DEFAULT_SEED_FILE),
      /** true: add as candidates for the validator; false: straight into the relay table. */
      to_validate: z.boolean().default(true),
    })
    .prefault({}),
});

export type SeederConfig = z.output<typeof seederConfigSchema>;
