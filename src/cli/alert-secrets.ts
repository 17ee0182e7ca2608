/** The monitor's alert webhook secrets, read from the variables monitor.yaml names. */
import { ConfigError } from "../models/errors.js";
import type { MonitorConfig } from "../services/monitor/config.js";

/** Each webhook's secret by its `secret_env`; a ConfigError names every one missing or empty. */
export function alertSecretsFromEnv(
  env: NodeJS.ProcessEnv,
  config: MonitorConfig,
): Map<string, string> {
  const secrets = new Map<string, string>();
  const missing: string[] = [];
  config.alerts.webhooks.forEach((hook, i) => {
    const value = env[hook.secret_env];
    if (value) secrets.set(hook.secret_env, value);
    else missing.push(`alerts.webhooks.${i}.secret_env: ${hook.secret_env} is not set`);
  });
  if (missing.length > 0) throw new ConfigError("alert webhook secrets missing", missing);
  return secrets;
}
