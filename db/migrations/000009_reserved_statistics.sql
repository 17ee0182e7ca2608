-- Reserved for the statistics work of issue B (branch b-stats, migrations 000008 and 000009):
-- a placeholder so that 000010 applies in sequence on this branch. Replaced by that work's
-- file(s) when the branches meet; it changes nothing.
SELECT 1;
