import type { RfmGroupName, Stage } from "../tables.ts";

/**
 * Everything a condition can read about one member, as the in-memory evaluator gets it. The SQL compiler reads
 * the same values from the tables they are stored in (facts `f`, scores `s`, LTV `l`, member tags).
 */

export interface MemberFacts {
  member_id: string;
  status: string;
  gender: string;
  /** YYYY-MM-DD */
  birthday: string | null;
  region: string | null;
  join_channel: string;
  join_store_id: string | null;
  scene_key: string | null;
  home_store_id: string | null;
  guide_id: string | null;
  joined_at: Date;
  consent_sms: boolean;
  consent_email: boolean;
  consent_im: boolean;
  attributes: Record<string, unknown>;
  tier_code: string | null;
  points_available: number;
  growth: number;
  orders_count: number;
  spend_minor: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
  categories: string[];
  channels: string[];
  store_ids: string[];
}

export interface MemberScores {
  frequency: number;
  monetary_minor: number;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_group: RfmGroupName | null;
  stage: Stage;
  important: boolean;
}

export interface MemberLtv {
  p_alive: number;
  expected_purchases_90d: number;
  expected_purchases_365d: number;
  expected_order_value_minor: number | null;
  predicted_value_365d_minor: number | null;
}

export interface MemberSnapshot {
  facts: MemberFacts;
  /** Null until the member was first scored. */
  scores: MemberScores | null;
  /** Null until a model was fitted for the brand. */
  ltv: MemberLtv | null;
  /** Tag id → when it expires (null: never). Expired entries may be present; the evaluator ignores them. */
  tags: ReadonlyMap<string, Date | null>;
}

/** When a condition is evaluated: `now` for times, `today` (the brand's calendar day) for ages. */
export interface EvaluationContext {
  now: Date;
  /** YYYY-MM-DD in the brand's time zone. */
  today: string;
}
