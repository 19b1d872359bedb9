package protocol

import "lawtrail/evidence"

// The agency feed (docs/SYNC.md, "The agency feed"): the accepted events of
// the other terminals of the asking terminal's agency, in the hub's log
// order, each with an inclusion proof against one signed checkpoint the
// answer carries, and the writers' keys as the hub pinned them at enrollment.
const (
	// PathAgencyEvents answers GET ?from=INDEX[&limit=N][&size=S][&writer=ID].
	PathAgencyEvents = "/v1/agency/events"
	// MaxAgencyEvents is the most events one answer carries.
	MaxAgencyEvents = 500
	// MaxAgencyPageBytes bounds the event bodies of one answer (an answer
	// always carries at least one event when one is due, whatever its size:
	// a body is at most 1 MiB).
	MaxAgencyPageBytes = 8 << 20
)

// AgencyEvent is one accepted event of another terminal of the agency, as
// the hub holds it: verbatim, with its place in the log and the inclusion
// proof of its leaf against the answer's checkpoint.
type AgencyEvent struct {
	LogIndex  uint64         `json:"log_index"`
	Terminal  string         `json:"terminal"`
	Seq       uint64         `json:"seq"`
	Event     evidence.Event `json:"event"`
	Inclusion [][]byte       `json:"inclusion"`
}

// AgencyTerminal is a writer of events in an answer: its id, the name it
// enrolled under and its public key as the hub pinned it.
type AgencyTerminal struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	PublicKey []byte `json:"public_key"`
}

// AgencyEvents answers GET /v1/agency/events. Events are those with log
// index ≥ the asked from and < Checkpoint.Size, in log order; Next is where
// the next request starts (the last event's index + 1 when the page is
// full, else Checkpoint.Size). Terminals names every writer in Events.
type AgencyEvents struct {
	Checkpoint Checkpoint       `json:"checkpoint"`
	Events     []AgencyEvent    `json:"events"`
	Terminals  []AgencyTerminal `json:"terminals"`
	Next       uint64           `json:"next"`
}
