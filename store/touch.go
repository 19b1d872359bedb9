package store

import (
	"fmt"
	"math"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Events of several terminals are applied to the projections in the hub's
// log order (order.go). A foreign event usually arrives after every event
// before it in that order and is simply applied; but this terminal's own
// events not yet logged, or logged after it, may already be applied. Then
// the two orders differ, and they give the same projections only when the
// events commute. touches says what an event reads and writes in the
// projections (and what the rules consult); two events commute unless one
// writes what the other reads or writes.

// touch is one thing an event reads or writes: "case:ID", "phase:ID",
// "step:ID", "doc:ID", "footage:DIGEST", "source:…", "officer:ID",
// "agency:ID", "terminal:ID", "config:KIND" (what the rules consult), or
// "*" (anything: a type this code does not know).
type touch struct {
	key   string
	write bool
}

// touchesOf lists what the event with body and payload p touches.
func touchesOf(body evidence.Body, p casework.Payload) []touch {
	var out []touch
	r := func(k string) { out = append(out, touch{k, false}) }
	w := func(k string) { out = append(out, touch{k, true}) }
	if body.Actor != "" {
		r("officer:" + body.Actor)
	}
	if inner, _, ok := casework.Effective(p); ok {
		p = inner
	} else {
		p = nil // a conflicting rebased event: custody only
	}
	switch p := p.(type) {
	case nil:
	case *casework.TerminalInitialized:
		w("terminal:" + p.Terminal)
	case *casework.AgencyRegistered:
		w("agency:" + p.Agency)
	case *casework.OfficerEnrolled:
		w("officer:" + p.Officer)
	case *casework.OfficerRevoked:
		w("officer:" + p.Officer)
	case *casework.OfficerRolesChanged:
		w("officer:" + p.Officer)
	case *casework.CaseOpened:
		w("case:" + p.Case)
		w("phase:" + p.Case)
	case *casework.CasePhaseAdvanced:
		r("case:" + p.Case)
		w("phase:" + p.Case)
		r("decision:" + p.Case) // the review gate (casework/reviewrules.go)
		r("review:" + p.Case)
		r("config:" + string(casework.ConfigMajorList))
	case *casework.CaseExported:
		r("case:" + p.Case)
	case *casework.StepRecorded:
		r("case:" + p.Case)
		w("step:" + p.Step)
		for _, o := range p.Officers {
			r("officer:" + o)
		}
	case *casework.StepTextOnly:
		w("step:" + p.Step)
		r("config:" + string(casework.ConfigAVMatters))
	case *casework.StepFootageLinked:
		r("step:" + p.Step)
		w("link:" + p.Step + "/" + p.Digest.String())
		r("footage:" + p.Digest.String())
	case *casework.DocDrafted:
		out = append(out, docTouches(p.DocumentContent)...)
	case *casework.DocFinalized:
		out = append(out, docTouches(p.DocumentContent)...)
		r("config:" + string(casework.ConfigTemplates))
		r("review:" + p.Case)
		r("config:" + string(casework.ConfigMajorList))
	case *casework.DecisionProposed:
		r("case:" + p.Case)
		w("decision:" + p.Case)
	case *casework.ReviewSubmitted:
		r("case:" + p.Case)
		r("phase:" + p.Case)
		r("decision:" + p.Case)
		w("review:" + p.Case)
		r("config:" + string(casework.ConfigMajorList))
		r("config:" + string(casework.ConfigHolidays))
		if p.Doc != "" {
			r("doc:" + p.Doc)
		}
		for _, m := range p.Material {
			if m.Ref != "" {
				r("doc:" + m.Ref)
			} else {
				r("footage:" + m.Digest.String())
			}
		}
		if p.ApprovedBy != "" {
			r("officer:" + p.ApprovedBy)
		}
	case *casework.ReviewAssigned, *casework.ReviewExtended, *casework.ReviewOpinion, *casework.ReviewDisputed, *casework.ReviewResolved:
		// They name the review, not its case, and the recusal rule reads
		// everyone who took part in the case: treated as touching anything
		// (a rebuild in log order when one interleaves; reviews are rare).
		w("*")
	case *casework.PublicityPublished:
		r("doc:" + p.Doc)
		r("config:" + string(casework.ConfigTemplates))
		r("config:" + string(casework.ConfigHolidays))
		w("publication:" + p.Case) // a case has one publication in force
	case *casework.PublicityWithdrawn:
		// It names the publication, not its case: anything (publications
		// are rare, as reviews).
		w("*")
	case *casework.FootageIngested:
		w("footage:" + p.Digest.String())
		w("source:" + sourceKey(p.SourceKey))
	case *casework.FootageCleared:
		w("source:" + sourceKey(p.SourceKey))
	case *casework.FootageFetched:
		r("footage:" + p.Digest.String()) // custody only
	case *casework.ConfigPublished:
		w("config:" + string(p.Kind)) // the rules of later acts read it
	default:
		w("*")
	}
	return out
}

func docTouches(c casework.DocumentContent) []touch {
	out := []touch{{"case:" + c.Case, false}, {"doc:" + c.Doc, true}, {"decision:" + c.Case, true}}
	if c.Step != "" {
		out = append(out, touch{"step:" + c.Step, false})
	}
	return out
}

func sourceKey(k casework.SourceKey) string {
	return fmt.Sprintf("%s/%x/%d/%d", k.DeviceSerial, k.RawPath(), k.Size, k.ModTime.UnixNano())
}

// unlogged is the position of an own event the hub has not logged (yet):
// after every logged one.
const unlogged = math.MaxUint64

// laterSet is what the events already applied at a position after some
// point in the log order touch: for each key, the highest position that
// writes it and the highest that touches it at all.
type laterSet struct {
	write, any map[string]uint64
	last       uint64 // the highest position in the set
}

func newLaterSet() *laterSet {
	return &laterSet{write: map[string]uint64{}, any: map[string]uint64{}}
}

func (l *laterSet) add(pos uint64, ts []touch) {
	l.last = max(l.last, pos)
	for _, t := range ts {
		if t.write && l.write[t.key] < pos {
			l.write[t.key] = pos
		}
		if l.any[t.key] < pos {
			l.any[t.key] = pos
		}
	}
}

// clashes reports whether an event at pos touching ts fails to commute with
// an event of the set placed after pos.
func (l *laterSet) clashes(pos uint64, ts []touch) bool {
	if l.write["*"] > pos {
		return true
	}
	for _, t := range ts {
		if t.key == "*" && l.last > pos {
			return true
		}
		if t.write && l.any[t.key] > pos || !t.write && l.write[t.key] > pos {
			return true
		}
	}
	return false
}
