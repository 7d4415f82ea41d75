// The shapes of the API answers the pages read (a subset of the OpenAPI document at /openapi.json).

export interface Member {
  member_id: string;
  card_no: string;
  status: string;
  phone: string | null;
  email: string | null;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  region: string | null;
  consent: Record<string, { granted: boolean; at: string }>;
  join_channel: string | null;
  scene_key: string | null;
  home_store_id: string | null;
  guide_id: string | null;
  joined_at: string;
}

export interface PointsBalance {
  member_id?: string;
  available: number;
  pending: number;
  owed: number;
  growth: number;
  expiring_soon: { expires_at: string; points: number }[];
  next_expiry: { expires_at: string; points: number } | null;
}

export interface LedgerEntry {
  entry_id: string;
  currency: "points" | "growth";
  kind: string;
  amount: number;
  reason: string;
  source_type: string | null;
  source_id: string | null;
  actor: string | null;
  occurred_at: string;
}

export interface TierRef {
  tier_id: string;
  code: string;
  name: string;
  rank: number;
  kind: string;
}

export interface MemberTier {
  tier: TierRef;
  source: string;
  benefits: {
    points_multiplier: number;
    discount_percent: number;
    member_price: boolean;
    free_shipping: boolean;
    birthday_gift: { name: string } | null;
  };
  progress: {
    growth: number;
    spend_minor: number;
    orders: number;
    window: { ends_at: string } | null;
  } | null;
  distance_to_next: {
    next_tier: string;
    next_tier_name: string;
    metric: string;
    needed: number;
    options: { metric: string; threshold: number; current: number; needed: number }[];
  } | null;
}

export interface Coupon {
  coupon_id: string;
  code: string;
  template_code: string;
  name: string;
  status: string;
  valid_from: string;
  valid_until: string;
  benefit: { kind: string; amount_minor?: number; percent?: number };
}

export interface CouponTemplate {
  template_id: string;
  code: string;
  name: string;
  status: string;
  benefit: { kind: string; amount_minor?: number; percent?: number };
  conditions?: { min_spend_minor?: number };
  validity: { kind: string; days?: number; starts_at?: string; ends_at?: string };
  staff_issuable?: boolean;
  claimable?: boolean;
  issued?: number;
  redeemed?: number;
  created_at: string;
}

export interface TimelineEvent {
  event_id: string;
  type: string;
  occurred_at: string;
  payload: Record<string, unknown>;
}

export interface Tag {
  tag_id: string;
  name: string;
  kind: string;
  group_id: string | null;
  members?: number;
}

export interface MemberTag {
  tag_id: string;
  name: string;
  source: string;
  tagged_at: string;
  expires_at: string | null;
}

export interface Scores {
  stage: string | null;
  important: boolean | null;
  rfm: { r: number | null; f: number | null; m: number | null; group: string | null };
  ltv: { predicted_value_365d_minor: number | null; p_alive: number | null } | null;
}

export interface Order {
  order_id: string;
  channel: string;
  external_id: string;
  status: string;
  paid_minor: number;
  points_earned: number;
  ordered_at: string;
}
