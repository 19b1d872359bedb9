package casework

import (
	"fmt"

	"lawtrail/evidence"
)

// TypeCaseExported records that a case file (案卷) left the terminal. An
// export is an access to the record (R6: every view, export, download and
// deletion is itself a logged, signed event), and the event is what binds
// the exported files: it names the SHA-256 of the case file's SHA256SUMS,
// which lists every other file's digest.
const TypeCaseExported = "case.exported"

// CaseExported names a case file by the digest of its SHA256SUMS.
type CaseExported struct {
	Case        string          `json:"case"`
	Sums        evidence.Digest `json:"sha256sums"` // SHA-256 of the SHA256SUMS file's bytes
	Files       int             `json:"files"`      // lines in SHA256SUMS
	WithFootage bool            `json:"with_footage"`
}

// EventType names the payload's event type.
func (CaseExported) EventType() string { return TypeCaseExported }

// Validate checks the payload on its own.
func (p CaseExported) Validate() error {
	if p.Sums.IsZero() {
		return fmt.Errorf("case %s export: no SHA256SUMS digest", p.Case)
	}
	if p.Files < 1 {
		return fmt.Errorf("case %s export: %d files", p.Case, p.Files)
	}
	return checkID("case", p.Case)
}
