/** The NIP-11 relay information document as parsed by `parseNip11` (wire field names). */

export interface Nip11Limitation {
  max_message_length?: number;
  max_subscriptions?: number;
  max_limit?: number;
  max_subid_length?: number;
  max_event_tags?: number;
  max_content_length?: number;
  min_pow_difficulty?: number;
  auth_required?: boolean;
  payment_required?: boolean;
  restricted_writes?: boolean;
  created_at_lower_limit?: number;
  created_at_upper_limit?: number;
  default_limit?: number;
}

export interface Nip11Fee {
  amount: number;
  unit: string;
  /** Seconds (subscription fees). */
  period?: number;
  /** Kinds the fee applies to (publication fees). */
  kinds?: number[];
}

export interface Nip11Fees {
  admission?: Nip11Fee[];
  subscription?: Nip11Fee[];
  publication?: Nip11Fee[];
}

/** Removed from NIP-11 in 2026; still sent by many relays. */
export interface Nip11Retention {
  /** Single kinds or inclusive `[from, to]` ranges. */
  kinds?: (number | [number, number])[];
  /** Seconds; null = kept forever. */
  time?: number | null;
  count?: number;
}

export interface Nip11Document {
  name?: string;
  description?: string;
  banner?: string;
  icon?: string;
  /** Admin contact pubkey (lower-case hex). */
  pubkey?: string;
  /** The relay's own pubkey (lower-case hex). */
  self?: string;
  contact?: string;
  /** Sorted, de-duplicated. */
  supported_nips?: number[];
  software?: string;
  version?: string;
  terms_of_service?: string;
  payments_url?: string;
  fees?: Nip11Fees;
  limitation?: Nip11Limitation;
  // Removed from NIP-11 in February 2026, parsed because relays still send them:
  retention?: Nip11Retention[];
  relay_countries?: string[];
  language_tags?: string[];
  tags?: string[];
  posting_policy?: string;
  privacy_policy?: string;
}
