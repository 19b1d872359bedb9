package protocol

import "lawtrail/evidence"

// Recovery endpoints (docs/SYNC.md, "Divergence and recovery"): a terminal
// whose data folder was restored from a backup, copied, or had its tail cut
// fetches its own accepted events back, and reports the divergence so the
// hub keeps the diverging events as a fork.
const (
	// PathDivergence takes a terminal's DivergenceReport (POST). PathEvents
	// with GET (?after=SEQ[&limit=N][&size=CHECKPOINT SIZE]) gives back the
	// terminal's own held events.
	PathDivergence = "/v1/divergence"
	// MaxHeldEvents is the most events one GET /v1/events answer carries.
	MaxHeldEvents = 500
)

// HeldEvent is one of the terminal's accepted events as the hub holds it,
// verbatim, with its place in the log and an inclusion proof against the
// answer's checkpoint size.
type HeldEvent struct {
	Event     evidence.Event `json:"event"`
	Seq       uint64         `json:"seq"`
	LogIndex  uint64         `json:"log_index"`
	Inclusion [][]byte       `json:"inclusion"`
}

// HeldEvents answers GET /v1/events: the terminal's events after the
// asked seq, in order, at most limit; LastSeq is the hub's head for the
// terminal and CheckpointSize the log size the proofs are against (the
// asked size, else the latest checkpoint's).
type HeldEvents struct {
	Events         []HeldEvent `json:"events"`
	LastSeq        uint64      `json:"last_seq"`
	CheckpointSize uint64      `json:"checkpoint_size"`
}

// DivergenceReport is what a terminal that found its chain diverging from
// the hub's tells the hub: the hub's head it was told, its own head, the
// last seq both hold alike (as far as it found), and its own events after
// that point (at most MaxBatchEvents; the rest in further reports).
type DivergenceReport struct {
	HubSeq    uint64           `json:"hub_seq"`
	HubHash   evidence.Digest  `json:"hub_hash"`
	LocalSeq  uint64           `json:"local_seq"`
	LocalHash evidence.Digest  `json:"local_hash"`
	ForkSeq   uint64           `json:"fork_seq"`
	Events    []evidence.Event `json:"events"`
}

// DivergenceRecorded answers a DivergenceReport: the hub's record of it
// and how many of the reported events it newly quarantined as forks.
type DivergenceRecorded struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"` // "forked" (another body under a held seq) or "behind"
	Quarantined int    `json:"quarantined"`
}
