package protocol

// RFC 3161 timestamps of checkpoints. A hub configured with a
// time-stamping authority (TSA) asks it, now and then, to timestamp its
// newest checkpoint: the token's message imprint is SHA-256 of the
// checkpoint's signed note, byte for byte (Checkpoint.Note). Terminals keep
// the tokens of checkpoints they hold, and case files carry them.

// PathTimestamps serves the hub's tokens: GET ?after=SIZE.
const PathTimestamps = "/v1/timestamps"

// MaxTimestampsPage is the most tokens one answer carries.
const MaxTimestampsPage = 100

// Timestamp is a TSA's token (DER TimeStampToken) for the checkpoint of Size.
type Timestamp struct {
	Size  uint64 `json:"size"`
	Token []byte `json:"token"`
}

// Timestamps answers GET /v1/timestamps: tokens of checkpoints larger
// than after, by size, at most MaxTimestampsPage.
type Timestamps struct {
	Timestamps []Timestamp `json:"timestamps"`
}
