-- Coupons and tags given by campaigns and engagement rewards say so (they were recorded as bulk/api issues).
ALTER TABLE coupon_issues DROP CONSTRAINT coupon_issues_source_check;
ALTER TABLE coupon_issues ADD CONSTRAINT coupon_issues_source_check
  CHECK (source IN ('api', 'staff', 'claim', 'tier_upgrade', 'join', 'points', 'bulk', 'campaign', 'engagement'));
ALTER TABLE audience_member_tags DROP CONSTRAINT audience_member_tags_source_check;
ALTER TABLE audience_member_tags ADD CONSTRAINT audience_member_tags_source_check
  CHECK (source IN ('manual', 'csv', 'api', 'rule', 'product_lifecycle', 'scene', 'keyword', 'campaign'));
