/**
 * Every service's name, defined once: the `service_name` of its service_state rows, the
 * `service` of its leases, the key of its last cycle in `bigbrotr status`, its metrics label
 * and its CLI command.
 */
export const SEEDER = "seeder";
export const FINDER = "finder";
export const VALIDATOR = "validator";
export const MONITOR = "monitor";
export const SYNCHRONIZER = "synchronizer";
export const REFRESHER = "refresher";
export const API = "api";
export const RELAY = "relay";
export const DVM = "dvm";
