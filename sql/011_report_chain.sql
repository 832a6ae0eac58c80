-- Tamper-evident report history: every report folder a run wrote, in the order written, with the SHA-256
-- of its summary.json and of every other file (JSON object name -> "sha256:..."). Each summary.json also
-- names the previous folder and its summary's hash, so `oznsync report verify` can walk the chain; a folder
-- removed by reports.keep_days is marked pruned and keeps its hashes here (pruning is not tampering).
CREATE TABLE report_chain (
    seq            INTEGER PRIMARY KEY,
    run_id         TEXT NOT NULL UNIQUE,
    summary_sha256 TEXT NOT NULL,
    files          TEXT NOT NULL,
    pruned         INTEGER NOT NULL DEFAULT 0
);
