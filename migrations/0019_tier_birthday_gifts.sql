-- A tier's birthday gift is given once per member and year, however often the job runs and in however many
-- processes: the primary key is the guard (an insert that conflicts gives nothing). `year` is the year of the
-- birthday kept (29 February is kept on 28 February in a common year), `birthday_on` the brand-local day.
CREATE TABLE tier_birthday_gifts (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  year integer NOT NULL,
  tier_id text NOT NULL,
  birthday_on date NOT NULL,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id, year),
  FOREIGN KEY (tenant_id, tier_id) REFERENCES tiers (tenant_id, tier_id)
);

-- The birthday job looks members up by the month and day of their birthday, hourly, in each brand.
CREATE INDEX members_birthday_day ON members
  (tenant_id, (EXTRACT(MONTH FROM birthday)), (EXTRACT(DAY FROM birthday)))
  WHERE birthday IS NOT NULL;

-- Coupons given as a tier's birthday gift say so.
ALTER TABLE coupon_issues DROP CONSTRAINT coupon_issues_source_check;
ALTER TABLE coupon_issues ADD CONSTRAINT coupon_issues_source_check
  CHECK (source IN ('api', 'staff', 'claim', 'tier_upgrade', 'tier_birthday', 'join', 'points', 'bulk', 'campaign',
                    'engagement'));
