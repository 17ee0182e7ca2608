-- Placeholder on branch g-changes only: number 12 belongs to another branch. The migrator
-- refuses gaps, so this empty file lets 000013 apply here; drop it at merge.
SELECT 1;
