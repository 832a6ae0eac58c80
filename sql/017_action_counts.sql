-- A finished run's change rows counted by action, once, when it is recorded: reports/index.html lists the
-- newest 1,000 runs with their counts, and counting them from `changes` read every row of those runs at
-- every run (half a million after a first night). Filled here for the finished runs whose rows are all
-- still there; a run whose rows journal.keep_days removed keeps them in change_counts, as before.
ALTER TABLE runs ADD COLUMN action_counts TEXT;
UPDATE runs SET action_counts = (SELECT json_group_object(action, n) FROM (SELECT action, count(*) AS n
    FROM changes WHERE run_id = runs.id GROUP BY action))
WHERE status != 'running' AND change_counts IS NULL;
