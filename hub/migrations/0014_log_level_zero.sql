-- A leaf's hash is its log_leaves row's (leaf_hash): log_nodes keeps the
-- levels above it only (hub/merkle.go reads level 0 from log_leaves).
DELETE FROM log_nodes WHERE level = 0;
