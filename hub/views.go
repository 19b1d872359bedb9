package hub

import (
	"encoding/json"
	"errors"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The views the hub's web reads (hub/web): what the public may see (事前
// 公开 P1, 事后公开 P3, annual statistics P4) and what supervisors see (O1,
// O2). Every view is read from the read model through the read-only
// connection, never from events and never behind the sync path's writes.
// The methods that fill them are in publicread.go, supervision.go and
// accessview.go.

// ErrNotPublished is every publication the public may not see: unknown, or
// of a terminal the hub no longer trusts. Callers answer 404 alike.
var ErrNotPublished = errors.New("no such publication")

// ErrNoAgency is an agency the hub has no terminal of.
var ErrNoAgency = errors.New("no such agency")

// ErrNoCase is a case unknown to the hub or outside the viewer's scope.
// Callers answer both alike.
var ErrNoCase = errors.New("no such case")

// The methods that fill the views (the web's handlers depend on these
// signatures):
//
//	PublicAgencies(ctx) ([]PublicAgency, error)             // every agency, by name; Lists and Officers filled
//	AgencyNames(ctx) ([]AgencyName, error)                  // every agency, by name, without the rest
//	PublicationGeneration(ctx) (uint64, error)              // changes with what the decision pages show
//	PublicAgency(ctx, id string) (PublicAgency, error)      // ErrNoAgency
//	PublicDecisions(ctx, DecisionQuery) (DecisionPage, error)
//	PublicDecision(ctx, id string) (PublicDecision, error)  // ErrNotPublished
//	PublicationProof(ctx, id string) (PublicationProof, error) // ErrNotPublished
//	AnnualStats(ctx, year int) (AnnualStats, error)
//	Supervision(ctx, Scope) (Supervision, error)            // at the hub's clock
//	CaseTimeline(ctx, Scope, caseID string) (CaseSummary, []TimelineEntry, error) // ErrNoCase
//	Accesses(ctx, Scope, AccessQuery) (AccessPage, error)    // accesses to the record, newest first
//	AccessFigures(ctx, Scope) (AccessSummary, error)        // per person, the last 30 days, unusual volume flagged

// PublicAgency is an agency as its 事前公开 page shows it (DOMAIN P1).
type PublicAgency struct {
	ID       string // the hub's agency id (terminals.agency); the page's address
	Name     string // agency.registered's name; ID when none was registered
	Officers []PublicOfficer
	Lists    []PublicList // every published version of each list, newest first per kind
}

// AgencyName is an agency as the decision list's filter offers it.
type AgencyName struct {
	ID   string // the hub's agency id (terminals.agency)
	Name string // agency.registered's name; ID when none was registered
}

// PublicOfficer is one enforcement officer on the agency page: only who
// holds a credential number is listed; no id-card number, phone or roles.
type PublicOfficer struct {
	Name         string
	CredentialNo string
	ValidUntil   string // YYYY-MM-DD; "" for no end
	Status       CardStatus
}

// PublicList is one version of a list an agency publishes: the AV matters
// list (音像记录事项清单) or the list of major decisions (重大执法决定法制
// 审核目录). Version 0 is the list bundled with lawtrail, in force until the
// agency publishes its own.
type PublicList struct {
	Kind      casework.ConfigKind
	Version   int
	Published string // YYYY-MM-DD in Asia/Shanghai; "" for the bundled one
	Note      string
	Content   json.RawMessage // the list as published (the kind's parser reads it)
	InForce   bool
}

// PublicDecision is one publication (DOMAIN P3) as the public sees it:
// only what the publicity.published event says (masked by the rules at
// signing), and its withdrawal.
type PublicDecision struct {
	Publication string
	Agency      string // hub agency id
	AgencyName  string
	Case        string
	Act         casework.ActType
	PartyKind   casework.PartyKind
	Decided     string // YYYY-MM-DD
	Due         string // YYYY-MM-DD, the last day to publish
	Published   string // YYYY-MM-DD in Asia/Shanghai, the event's time
	Late        bool   // Published after Due
	Text        casework.PublicText
	Withdrawn   *PublicWithdrawal // nil while in force
	// Event is the digest of the signed publicity.published event; LogIndex
	// its leaf in the hub's log (PublicationProof proves it).
	Event    evidence.Digest
	LogIndex uint64
}

// PublicWithdrawal is why and when a publication was withdrawn.
type PublicWithdrawal struct {
	Code     casework.WithdrawCode
	Reason   string
	At       string // YYYY-MM-DD in Asia/Shanghai
	Event    evidence.Digest
	LogIndex uint64
}

// DecisionQuery selects publications for the list page, newest first.
type DecisionQuery struct {
	Agency string           // "" for every agency
	Act    casework.ActType // "" for every act type
	Year   int              // 0 for every year (by the decision date)
	Offset int
	Limit  int // 0 means 50; at most 200
}

// DecisionPage is one page of the list and how many match in all.
type DecisionPage struct {
	Items []PublicDecision
	Total int
}

// PublicationProof is what lets anyone check a publication without
// trusting the page: the signed events themselves (as stored, the bytes
// the log's leaves hash) and their RFC 6962 inclusion proofs against a
// checkpoint the hub signed. Its JSON is the downloadable proof; the format
// is in docs/SYNC.md.
//
// Terminals holds, for each terminal that signed one of Events, its first
// event, terminal.initialized, whose payload carries the terminal's id and
// ed25519 public key (the id is evidence.KeyID of the key) and which that
// key signed: with its own inclusion proof, a reader checks each event's
// terminal signature from the file alone.
type PublicationProof struct {
	Publication string          `json:"publication"`
	Checkpoint  json.RawMessage `json:"checkpoint"` // protocol.Checkpoint: size, root, signature
	HubKey      []byte          `json:"hub_key"`    // the hub's ed25519 public key
	Events      []ProvedEvent   `json:"events"`     // the publication, then its withdrawal if any
	Terminals   []ProvedEvent   `json:"terminals"`  // terminal.initialized of each signer of Events, in their order
}

// ProvedEvent is one signed event and its inclusion proof.
type ProvedEvent struct {
	Type      string          `json:"type"`
	Digest    evidence.Digest `json:"digest"`
	Event     json.RawMessage `json:"event"` // the signed event as the terminal sent it
	LeafIndex uint64          `json:"leaf_index"`
	Proof     [][]byte        `json:"proof"`
}

// AnnualStats is the year's statistics report (DOMAIN P4): for each agency,
// the cases opened in the year by act type and the decisions made in it by
// act type and outcome. Ready from 1 January of the next year.
type AnnualStats struct {
	Year     int
	Rows     []AnnualRow // sorted by agency, act, outcome
	Complete bool        // the year has ended (at the hub's clock)
}

// AnnualRow is one count of the report.
type AnnualRow struct {
	Agency     string
	AgencyName string
	Act        casework.ActType
	// Outcome is "opened" for cases opened, else a decision's outcome: a
	// penalty kind (fine, warning …, the heaviest of the decision), or
	// "no_penalty" (不予处罚) / "transfer" (移送司法) / "other".
	Outcome string
	Count   int
}

// Scope is what a supervision view covers: one hub agency, or the district
// ("" = every agency).
type Scope struct{ Agency string }

// Supervision is the console's overview of a scope at a time (DOMAIN O2):
// each part is a list a supervisor acts on and a figure per agency.
type Supervision struct {
	At                  time.Time
	Agencies            []AgencyFigures
	OverduePublications []OverduePublication
	AVGaps              []AVGap
	CasesPastLimit      []CaseLimit
	Reviews             []ReviewTurnaround
	Terminals           []TerminalSeen
	Forks               []QuarantinedFork
	Monthly             []MonthFigures // the last 12 months, oldest first
}

// AgencyFigures are an agency's compliance figures.
type AgencyFigures struct {
	Agency, Name  string
	Officers      int  // enrolled, not revoked, holding a credential number
	Reviewers     int  // of those, with the reviewer role
	ReviewersOK   bool // L3: ≥ 5 % of officers, ≥ 1 under 20 officers
	AVSets        int  // distinct recorders seen in footage.ingested
	AVSetsOK      bool // R4: ≥ 1 per 4 officers, ≥ 1 under 4
	Cases         int
	OpenCases     int
	Decisions     int // finalized decision documents
	Major         int // of those submitted to legal review as major
	MajorReviewed int // major decisions with a review opinion before finalizing
	Published     int
	Overdue       int // publications late or pending past due
	AVGaps        int
}

// OverduePublication is a finalized decision not published by its due day
// (PublishedAt "" ) or published after it.
type OverduePublication struct {
	Agency, Case, CaseNumber, Doc string
	Act                           casework.ActType
	Decided, Due, PublishedAt     string // YYYY-MM-DD; PublishedAt "" while pending
	DaysLate                      int    // working days past Due (to PublishedAt or to now)
}

// AVGap is a step of a mandatory-AV kind (the AV matters list in force)
// whose span the linked footage does not cover.
type AVGap struct {
	Agency, Case, CaseNumber, Step string
	Kind                           casework.StepKind
	Start, End                     time.Time
	Uncovered                      time.Duration
	NoFootage                      bool // nothing linked at all
}

// CaseLimit is a case past (or near) a statutory time limit without the act
// that ends it (行政处罚法 Art. 60: a decision within 90 days of 立案).
type CaseLimit struct {
	Agency, Case, CaseNumber, Title string
	Act                             casework.ActType
	Phase                           casework.Phase
	Opened                          string // YYYY-MM-DD
	Rule, What                      string
	Due                             string // YYYY-MM-DD
	DaysOver                        int
}

// ReviewTurnaround is one review round: submitted, opinion given.
type ReviewTurnaround struct {
	Agency, Review, Case string
	Round                int
	Major                bool
	Submitted, Due       string // YYYY-MM-DD
	Opinion              string // YYYY-MM-DD; "" while open
	Outcome              casework.Outcome
	WorkingDays          int  // submitted → opinion (or → now while open)
	Late                 bool // opinion after Due, or open past it
}

// TerminalSeen is a terminal and when it last synced.
type TerminalSeen struct {
	Agency, Terminal, Name string
	LastSeen               time.Time // zero: never synced an event
	Events                 int
	Revoked                bool
}

// QuarantinedFork is a divergence the hub holds apart from the record.
type QuarantinedFork struct {
	Agency, Terminal string
	Seq              uint64
	At               time.Time
}

// MonthFigures are the trend figures of one month (YYYY-MM, Asia/Shanghai).
type MonthFigures struct {
	Month               string
	Opened, Closed      int     // cases opened; cases that reached execution (送达执行)
	OverduePublications int     // publications due in the month and late or pending past due
	ReviewDays          float64 // mean working days of opinions given in the month
	AVGaps              int     // AV gaps of steps that started in the month
}

// TimelineEntry is one event of a case, read-only, as the console shows it.
type TimelineEntry struct {
	At       time.Time
	Type     string
	Terminal string
	Seq      uint64
	Actor    string // officer id, "" for the terminal
	Summary  string // what happened in a line (zh-CN)
	Digest   evidence.Digest
}

// CaseSummary heads a case's timeline in the console.
type CaseSummary struct {
	Agency, Case, Number, Title string
	Act                         casework.ActType
	Phase                       casework.Phase
	Opened                      time.Time
	Decision                    *casework.Decision // the latest proposed, nil when none
	Publication                 string             // the publication in force, "" when none
}

// AccessQuery selects accesses to the record (调阅监督) for the console's
// list, newest first.
type AccessQuery struct {
	Officer string    // "" for every officer of the scope
	Since   time.Time // the zero time for all
	Offset  int
	Limit   int // 0 means 100; at most 1000
}

// AccessPage is one page of accesses and how many match in all.
type AccessPage struct {
	Items []Access
	Total int
}

// Access is one access to the record: a clip played or exported, a
// document version shown or made a PDF, a case file exported, footage
// fetched from the hub (the event types of docs/EVENTS.md "Access").
type Access struct {
	Agency      string // hub agency id
	Officer     string
	OfficerName string // rm_officers' name; "" when the hub knows none
	Type        string // the event's type, e.g. access.footage_played
	Digest      string // footage: its digest; a case export: its SHA256SUMS digest
	Doc         string // a document viewed
	Version     int    // its version
	How         string // a document: shown or pdf; a case export: with_footage or ""
	Review      string // a review paper printed: the review, its round and the paper (opinion or discussion)
	Round       int
	Kind        string
	Format      string // the ledger exported: xlsx or csv, and the cases' rows it held (-1 for other accesses)
	Rows        int
	Case        string // the case it names; "" when none
	CaseNumber  string // the case's number when the hub holds the case
	Reason      string // what the viewer typed: given only off the case
	At          time.Time
	Terminal    string
	LogIndex    uint64
}

// AccessSummary is, per officer of the scope who accessed anything in the
// window (the 30 days to At), what they accessed; the unusual first.
type AccessSummary struct {
	At, Since time.Time
	Officers  []OfficerAccesses
}

// OfficerAccesses are one officer's accesses in the window.
type OfficerAccesses struct {
	Agency, AgencyName, Officer, Name string
	Played, Exported, Documents       int // access.footage_played, access.footage_exported, access.document_viewed
	Printed, Ledgers                  int // access.review_printed, access.ledger_exported
	CaseExports, Fetched              int // case.exported, footage.fetched
	Total                             int
	OffCase                           int     // with a reason: the viewer was not on the case
	Cases                             int     // distinct cases named
	AgencyMedian                      float64 // the median Total of the agency's officers who accessed anything
	Unusual                           bool
	Why                               string // zh-CN, why Unusual; "" when not
}
