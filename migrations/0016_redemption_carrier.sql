-- Who carries a shipped mall redemption (SF Express, JD Logistics): the member is told beside the tracking number.
ALTER TABLE reward_redemptions ADD COLUMN carrier text;
