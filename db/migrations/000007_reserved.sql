-- Reserved for issue A's migration 000007 (the migrator needs consecutive numbers). This file
-- exists only on the statistics branch and is replaced by issue A's 000007 when they merge.
SELECT 1;
