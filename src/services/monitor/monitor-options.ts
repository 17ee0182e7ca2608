/** What a monitor process is given besides its config (tests pass their own resolvers, geo data, CAs). */
import type { RecordResolver, Resolver } from "../../utils/dns.js";
import type { AsnDatabase, GeoDatabase } from "../../utils/geoip.js";

export interface MonitorOptions {
  /** This process's lease holder name (default: the deployment's instance id, or random). */
  holder?: string;
  /** Address lookups (connections, geo, net); default the system resolver. */
  resolver?: Resolver;
  /** Record queries of the dns check; default the system resolver. */
  records?: RecordResolver;
  /** Geo and ASN databases; default opened once from monitor.yaml or the bundled data. */
  geo?: GeoDatabase | null;
  asn?: AsnDatabase | null;
  /** Trusted CAs of the ssl check's verifying connection. */
  ca?: string | string[];
  /** The alert webhooks' secrets by their secret_env name (resolved by the cli). */
  alertSecrets?: ReadonlyMap<string, string>;
}
