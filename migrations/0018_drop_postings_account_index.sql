-- The liability report sums every posting of a brand by account: it reads the whole brand either way, and this
-- index (without the amount) never served it. It cost four index insertions per ingested order.
DROP INDEX IF EXISTS ledger_postings_account;
