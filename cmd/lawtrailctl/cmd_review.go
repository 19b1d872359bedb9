package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// Legal review (法制审核) from the command line: the handling officer
// submits, resubmits or disputes; a reviewer takes a review and gives the
// opinion with its checklist; a head assigns, extends and resolves
// disputes. Each command is one call into the action layer (terminal);
// the rules (who may act, recusal, the gate on major decisions) run there.

// Caps on the small JSON files the review commands read.
const (
	maxDecisionFile   = 64 << 10 // case decision --file
	maxChecklistFile  = 64 << 10 // review opinion --checklist
	maxCollectiveFile = 64 << 10 // review resolve --collective
)

func cmdReviewSubmit() *command {
	c := newCommand("review submit", "--case CASE [--doc DOC] [--note TEXT] [--approver ID]",
		"submit a case's proposed decision for legal review (法制审核); prints the review id last", 0)
	c.detail = `What is reviewed is the case's proposed decision as it stands (case
decision, or the draft decision document's decision field) and, with --doc,
that draft byte for byte; the case's finalized documents and linked footage
go with it, fixed by digest. Where the agency's policy asks a head's
approval, --approver names the head, whose PIN comes from
LAWTRAIL_APPROVER_PIN or is asked; the head co-signs.`
	caseID := c.flags.String("case", "", "the case (required)")
	doc := c.flags.String("doc", "", "the draft decision document (行政处罚决定书) to review")
	note := c.flags.String("note", "", "a note to the reviewer")
	approver := c.flags.String("approver", "", "the head approving the submission (PIN from LAWTRAIL_APPROVER_PIN)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if err := required("case", *caseID); err != nil {
			return err
		}
		return submitReview(ctx, x, terminal.Submission{Case: *caseID, Doc: *doc, Note: *note}, *approver)
	}
	return c
}

// submitReview logs the officer (and any approving head) in and submits;
// the review id is the last word printed.
func submitReview(ctx context.Context, x *call, sub terminal.Submission, approver string) error {
	if err := checkID("case", sub.Case); err != nil {
		return err
	}
	if sub.Doc != "" {
		if err := checkID("document", sub.Doc); err != nil {
			return err
		}
	}
	if approver != "" {
		if err := checkID("officer", approver); err != nil {
			return err
		}
	}
	s, err := x.session(ctx, "")
	if err != nil {
		return err
	}
	if approver != "" {
		pin, err := secret(x.e, "LAWTRAIL_APPROVER_PIN", fmt.Sprintf("PIN of the approving head %s: ", approver))
		if err != nil {
			return err
		}
		defer clear(pin)
		sub.Approver = &terminal.Witness{Officer: approver, PIN: pin}
	}
	p, err := s.SubmitReview(ctx, sub)
	if err != nil {
		return err
	}
	major := "not major under the list in force"
	if len(p.Major) > 0 {
		major = "major: " + strings.Join(p.Major, ", ")
	}
	tprintf(x.e.stdout, "case %s: round %d submitted for legal review by %s, due %s (%s); review %s\n",
		p.Case, p.Round, s.Officer.ID, p.Due, major, p.Review)
	return nil
}

func cmdReviewResubmit() *command {
	c := newCommand("review resubmit", "ID --doc DOC [--note TEXT] [--approver ID]",
		"submit the changed decision again as the review's next round (after 存在问题, or after a head upheld the opinion)", 1)
	c.detail = `The next round reviews the case's proposed decision as it stands now and
the draft named by --doc (default: the draft the last round reviewed, in
its present text). Every earlier round is kept.`
	doc := c.flags.String("doc", "", "the draft decision document (default: the one the last round reviewed)")
	note := c.flags.String("note", "", "what was changed, for the reviewer")
	approver := c.flags.String("approver", "", "the head approving the submission (PIN from LAWTRAIL_APPROVER_PIN)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		_, rounds, err := openRounds(ctx, x, args[0])
		if err != nil {
			return err
		}
		last := rounds[len(rounds)-1]
		sub := terminal.Submission{Case: last.Case, Doc: *doc, Note: *note}
		if sub.Doc == "" {
			sub.Doc = last.Doc
		}
		return submitReview(ctx, x, sub, *approver)
	}
	return c
}

func cmdReviewList() *command {
	c := newCommand("review list", "[--json] [--queue new|mine|overdue|disputed|done]",
		"reviews by their latest round: case, round, due day, reviewer, where each stands", 0)
	c.detail = `Queues: new (awaiting a reviewer), mine (assigned to LAWTRAIL_OFFICER, awaiting
the opinion), overdue (awaiting the opinion past the due day), disputed
(awaiting a head), done (opinion given).`
	asJSON := c.flags.Bool("json", false, "one JSON array")
	queue := c.flags.String("queue", "", "only the reviews in this queue")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		q := terminal.Queue(*queue)
		if q != "" && !slices.Contains([]terminal.Queue{terminal.QueueNew, terminal.QueueMine, terminal.QueueOverdue,
			terminal.QueueDisputed, terminal.QueueDone}, q) {
			return usagef("--queue %q: one of new, mine, overdue, disputed, done", *queue)
		}
		officer := x.e.getenv("LAWTRAIL_OFFICER")
		if q == terminal.QueueMine && officer == "" {
			return usagef("--queue mine: set LAWTRAIL_OFFICER to the reviewer whose queue it is")
		}
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		rows, err := t.Reviews(ctx)
		if err != nil {
			return err
		}
		now := t.Now()
		out := []roundShown{}
		for _, r := range rows {
			queues := terminal.QueueOf(r, officer, now)
			if q == "" || slices.Contains(queues, q) {
				out = append(out, showRound(r, queues, now))
			}
		}
		if *asJSON {
			return json.NewEncoder(x.e.stdout).Encode(out)
		}
		names := officerNames(ctx, t)
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REVIEW\tCASE\tROUND\tDUE\tREVIEWER\tSTATE")
		for _, r := range out {
			tprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Review, r.Case, r.Round, r.Due, dash(names.of(r.Reviewer)), r.State)
		}
		return tw.Flush()
	}
	return c
}

// roundShown is one round of a review as `review show --json` and
// `review list --json` give it; labels are the Chinese wording.
type roundShown struct {
	Review          string               `json:"review"`
	Case            string               `json:"case"`
	Round           int                  `json:"round"`
	State           string               `json:"state"`
	Queues          []terminal.Queue     `json:"queues,omitempty"`
	Passed          bool                 `json:"passed"`
	Decision        casework.Decision    `json:"decision"`
	DecisionText    string               `json:"decision_text"`
	Major           []string             `json:"major"`
	Doc             string               `json:"doc,omitempty"`
	DocHash         string               `json:"doc_hash,omitempty"`
	Material        int                  `json:"material"`
	Due             string               `json:"due"`
	Overdue         bool                 `json:"overdue"`
	SubmittedBy     string               `json:"submitted_by"`
	SubmittedAt     string               `json:"submitted_at"`
	ApprovedBy      string               `json:"approved_by,omitempty"`
	Note            string               `json:"note,omitempty"`
	Reviewer        string               `json:"reviewer,omitempty"`
	AssignedBy      string               `json:"assigned_by,omitempty"`
	ExtendedReason  string               `json:"extended_reason,omitempty"`
	Outcome         string               `json:"outcome,omitempty"`
	OutcomeLabel    string               `json:"outcome_label,omitempty"`
	Checklist       []checkShown         `json:"checklist,omitempty"`
	Problems        string               `json:"problems,omitempty"`
	Changes         string               `json:"changes,omitempty"`
	OpinionBy       string               `json:"opinion_by,omitempty"`
	OpinionAt       string               `json:"opinion_at,omitempty"`
	DisputeReason   string               `json:"dispute_reason,omitempty"`
	DisputedBy      string               `json:"disputed_by,omitempty"`
	Resolution      string               `json:"resolution,omitempty"`
	ResolutionLabel string               `json:"resolution_label,omitempty"`
	ResolutionText  string               `json:"resolution_text,omitempty"`
	ResolvedBy      string               `json:"resolved_by,omitempty"`
	Collective      *casework.Collective `json:"collective,omitempty"`
}

// checkShown is one checklist item with its finding, in words.
type checkShown struct {
	Item         casework.CheckItem `json:"item"`
	Label        string             `json:"label"`
	Finding      casework.Finding   `json:"finding"`
	FindingLabel string             `json:"finding_label"`
	Note         string             `json:"note,omitempty"`
}

func showRound(r store.ReviewRound, queues []terminal.Queue, now time.Time) roundShown {
	s := roundShown{Review: r.ID, Case: r.Case, Round: r.Round, State: roundState(r, now), Queues: queues, Passed: r.Passed(),
		Decision: r.Decision, DecisionText: r.Decision.Describe(), Major: r.Major, Doc: r.Doc, Material: len(r.Material),
		Due: r.Due, Overdue: r.Overdue(now), SubmittedBy: r.SubmittedBy, SubmittedAt: r.SubmittedAt.In(casework.Shanghai).Format(time.RFC3339),
		ApprovedBy: r.ApprovedBy, Note: r.Note, Reviewer: r.Reviewer, AssignedBy: r.AssignedBy, ExtendedReason: r.ExtendedReason,
		Outcome: string(r.Outcome), Problems: r.Problems, Changes: r.Changes, OpinionBy: r.OpinionBy, OpinionAt: timeOf(r.OpinionAt),
		DisputeReason: r.DisputeReason, DisputedBy: r.DisputedBy, Resolution: string(r.Resolution), ResolutionText: r.ResolutionText,
		ResolvedBy: r.ResolvedBy, Collective: r.Collective}
	if r.DocHash != nil {
		s.DocHash = r.DocHash.String()
	}
	if r.Outcome != "" {
		s.OutcomeLabel = r.Outcome.Label()
	}
	if r.Resolution != "" {
		s.ResolutionLabel = r.Resolution.Label()
	}
	for _, e := range r.Checklist {
		s.Checklist = append(s.Checklist, checkShown{Item: e.Item, Label: e.Item.Label(), Finding: e.Finding, FindingLabel: e.Finding.Label(), Note: e.Note})
	}
	return s
}

// timeOf is a recorded time (RFC 3339) to the second in China Standard
// Time; "" stays "".
func timeOf(s string) string {
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return at.In(casework.Shanghai).Format(time.RFC3339)
}

// roundState says where a round stands, in English with the Chinese term.
func roundState(r store.ReviewRound, now time.Time) string {
	var s string
	switch {
	case r.Pending() && r.Reviewer == "":
		s = "awaiting a reviewer (待分配)"
	case r.Pending():
		s = "under review by " + r.Reviewer + " (审核中)"
	case r.Disputed && r.Resolution == "":
		s = "存在问题, disputed: awaiting a head (异议待决)"
	case r.Resolution != "":
		s = "存在问题, disputed, resolved: " + r.Resolution.Label()
	default:
		s = r.Outcome.Label()
	}
	if r.Overdue(now) {
		s += ", OVERDUE"
	}
	return s
}

// names maps officer ids to their names, for reading.
type names map[string]string

func officerNames(ctx context.Context, t *terminal.Terminal) names {
	n := names{}
	rows, _ := t.Officers(ctx) // names are a courtesy; ids are printed anyway
	for _, o := range rows {
		n[o.ID] = o.Name
	}
	return n
}

// of is "王五 (o-003)", or the id alone when unknown, or "".
func (n names) of(id string) string {
	if id == "" || n[id] == "" {
		return id
	}
	return n[id] + " (" + id + ")"
}

func cmdReviewShow() *command {
	c := newCommand("review show", "ID [--json]",
		"every round of a review: decision, material, due day, reviewer, checklist with findings, opinion, dispute, resolution", 1)
	asJSON := c.flags.Bool("json", false, "one JSON object: the review and its rounds")
	c.run = func(ctx context.Context, x *call, args []string) error {
		t, rounds, err := openRounds(ctx, x, args[0])
		if err != nil {
			return err
		}
		now := t.Now()
		shown := make([]roundShown, len(rounds))
		for i, r := range rounds {
			shown[i] = showRound(r, nil, now)
		}
		if *asJSON {
			return json.NewEncoder(x.e.stdout).Encode(struct {
				ID     string       `json:"id"`
				Case   string       `json:"case"`
				Rounds []roundShown `json:"rounds"`
			}{args[0], rounds[0].Case, shown})
		}
		n := officerNames(ctx, t)
		tprintf(x.e.stdout, "review %s of case %s: %d round(s)\n", args[0], rounds[0].Case, len(rounds))
		for _, r := range shown {
			printRound(x.e.stdout, r, n)
		}
		return nil
	}
	return c
}

func printRound(w io.Writer, r roundShown, n names) {
	tprintf(w, "round %d: %s\n", r.Round, r.State)
	tprintf(w, "  submitted by %s at %s, due %s\n", n.of(r.SubmittedBy), r.SubmittedAt, r.Due)
	if r.ApprovedBy != "" {
		tprintf(w, "  approved by %s\n", n.of(r.ApprovedBy))
	}
	tprintf(w, "  decision: %s\n", r.DecisionText)
	tprintf(w, "  major criteria: %s\n", dash(strings.Join(r.Major, ", ")))
	if r.Doc != "" {
		tprintf(w, "  draft: document %s, SHA-256 %s\n", r.Doc, r.DocHash)
	}
	tprintf(w, "  material: %d item(s) fixed by digest\n", r.Material)
	if r.Note != "" {
		tprintf(w, "  note: %s\n", r.Note)
	}
	if r.Reviewer != "" {
		tprintf(w, "  reviewer: %s, assigned by %s\n", n.of(r.Reviewer), n.of(r.AssignedBy))
	}
	if r.ExtendedReason != "" {
		tprintf(w, "  extended: %s\n", r.ExtendedReason)
	}
	if r.Outcome != "" {
		tprintf(w, "  checklist (审核要点):\n")
		for _, e := range r.Checklist {
			tprintf(w, "    %s  %s", e.FindingLabel, e.Label)
			if e.Note != "" {
				tprintf(w, "：%s", e.Note)
			}
			fmt.Fprintln(w)
		}
		tprintf(w, "  opinion (审核意见): %s, by %s at %s\n", r.OutcomeLabel, n.of(r.OpinionBy), r.OpinionAt)
		if r.Problems != "" {
			tprintf(w, "    problems (存在问题): %s\n", r.Problems)
		}
		if r.Changes != "" {
			tprintf(w, "    changes (修改建议): %s\n", r.Changes)
		}
	}
	if r.DisputedBy != "" {
		tprintf(w, "  dispute (异议) by %s: %s\n", n.of(r.DisputedBy), r.DisputeReason)
	}
	if r.Resolution != "" {
		tprintf(w, "  resolution by %s: %s — %s\n", n.of(r.ResolvedBy), r.ResolutionLabel, r.ResolutionText)
	}
	if c := r.Collective; c != nil {
		tprintf(w, "  collective discussion (集体讨论) held %s, attended by %s: %s\n", c.Held, strings.Join(c.Attendees, "、"), c.Conclusion)
	}
}

func cmdReviewAssign() *command {
	c := newCommand("review assign", "ID --to OFFICER",
		"name the reviewer of a review's pending round: a head assigns a reviewer; a reviewer takes it for themselves", 1)
	c.detail = `The reviewer must hold the reviewer role and have taken no part in the case
(回避: opened it, recorded or attended a step, signed or was named in a
document, set its decision, submitted it or disputed an opinion).`
	to := c.flags.String("to", "", "the reviewer's officer id (required)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("to", *to); err != nil {
			return err
		}
		if err := firstUsage(checkID("review", args[0]), checkID("officer", *to)); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.AssignReview(ctx, args[0], *to); err != nil {
			return err
		}
		tprintf(x.e.stdout, "review %s: reviewer %s, by %s\n", args[0], *to, s.Officer.ID)
		return nil
	}
	return c
}

// firstUsage is the first of errs that is not nil.
func firstUsage(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func cmdReviewExtend() *command {
	c := newCommand("review extend", "ID --due YYYY-MM-DD --reason TEXT",
		"extend a pending round's time limit, within the working days the agency's policy allows (by a head)", 1)
	due := c.flags.String("due", "", "the new last day, YYYY-MM-DD (required)")
	reason := c.flags.String("reason", "", "why (required)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("due", *due, "reason", strings.TrimSpace(*reason)); err != nil {
			return err
		}
		if err := checkID("review", args[0]); err != nil {
			return err
		}
		day, err := time.ParseInLocation(time.DateOnly, *due, casework.Shanghai)
		if err != nil {
			return usagef("--due %q: a date as YYYY-MM-DD", *due)
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.ExtendReview(ctx, args[0], day, *reason); err != nil {
			return err
		}
		tprintf(x.e.stdout, "review %s: due %s, by %s: %s\n", args[0], *due, s.Officer.ID, strings.TrimSpace(*reason))
		return nil
	}
	return c
}

func cmdReviewOpinion() *command {
	c := newCommand("review opinion", "ID --agree|--problems TEXT [--changes TEXT] [--checklist FILE.json]",
		"the assigned reviewer's written opinion (审核意见) on the pending round: 同意, or 存在问题 with what to change", 1)
	c.detail = `The checklist file is a JSON list of {"item", "finding", "note"}: items
` + checkItemIDs() + `;
findings ok (符合), problem (存在问题) or na (不适用); an item not given is 符合.
A problem needs a note. --agree with an item in problem is refused.`
	agree := c.flags.Bool("agree", false, "同意: the decision may be made as submitted")
	problems := c.flags.String("problems", "", "存在问题: what is wrong")
	changes := c.flags.String("changes", "", "what to change (修改建议)")
	checklist := c.flags.String("checklist", "", "the checklist's findings, a JSON list")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if *agree == (strings.TrimSpace(*problems) != "") {
			return usagef("give either --agree or --problems TEXT")
		}
		if err := checkID("review", args[0]); err != nil {
			return err
		}
		o := terminal.Opinion{Outcome: casework.OutcomeProblems, Problems: *problems, Changes: *changes}
		if *agree {
			o.Outcome = casework.OutcomeAgree
		}
		if *checklist != "" {
			entries, err := readChecklist(*checklist)
			if err != nil {
				return err
			}
			o.Checklist = entries
		}
		if *agree {
			for _, e := range o.Checklist {
				if e.Finding == casework.FindingProblem {
					return usagef("--agree, but the checklist marks %q (%s) 存在问题: give --problems instead, or correct the checklist", e.Item, e.Item.Label())
				}
			}
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		p, err := s.GiveOpinion(ctx, args[0], o)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "review %s round %d: opinion %s, by %s\n", p.Review, p.Round, p.Outcome.Label(), s.Officer.ID)
		return nil
	}
	return c
}

func checkItemIDs() string {
	s := make([]string, len(casework.CheckItems))
	for i, c := range casework.CheckItems {
		s[i] = string(c) + " (" + c.Label() + ")"
	}
	return strings.Join(s, ", ")
}

// readChecklist reads --checklist strictly: known items, each once, known
// findings (the code or its Chinese word), nothing else.
func readChecklist(path string) ([]casework.ChecklistEntry, error) {
	raw, err := readCapped(path, "--checklist", maxChecklistFile)
	if err != nil {
		return nil, err
	}
	var entries []casework.ChecklistEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil || dec.More() {
		return nil, usagef("--checklist %s: want one JSON list of {\"item\",\"finding\",\"note\"}: %v", path, err)
	}
	for i, e := range entries {
		if !slices.Contains(casework.CheckItems, e.Item) {
			return nil, usagef("--checklist %s: item %q: one of %s", path, e.Item, checkItemIDs())
		}
		if slices.ContainsFunc(entries[:i], func(o casework.ChecklistEntry) bool { return o.Item == e.Item }) {
			return nil, usagef("--checklist %s: item %q given twice", path, e.Item)
		}
		for _, f := range casework.Findings {
			if string(e.Finding) == f.Label() {
				entries[i].Finding = f
			}
		}
		if !slices.Contains(casework.Findings, entries[i].Finding) {
			return nil, usagef("--checklist %s: %s: finding %q: ok (符合), problem (存在问题) or na (不适用)", path, e.Item, e.Finding)
		}
	}
	return entries, nil
}

func cmdReviewDispute() *command {
	c := newCommand("review dispute", "ID --reason TEXT",
		"the handling unit disputes an opinion of 存在问题 (异议); a head resolves it", 1)
	reason := c.flags.String("reason", "", "why the opinion is disputed (required)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("reason", strings.TrimSpace(*reason)); err != nil {
			return err
		}
		if err := checkID("review", args[0]); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.DisputeReview(ctx, args[0], *reason); err != nil {
			return err
		}
		tprintf(x.e.stdout, "review %s: opinion disputed by %s; awaiting a head\n", args[0], s.Officer.ID)
		return nil
	}
	return c
}

func cmdReviewResolve() *command {
	c := newCommand("review resolve", "ID --decision TEXT [--proceed|--uphold] [--collective FILE.json]",
		"a head's resolution of a disputed opinion, with the collective discussion's record where one was held", 1)
	c.detail = `--proceed lets the decision as reviewed go ahead; --uphold (the default)
keeps the opinion: fix and resubmit. The collective file is
{"held": "YYYY-MM-DD", "attendees": ["…", "…"], "conclusion": "…"}.`
	decision := c.flags.String("decision", "", "the head's decision in words (required)")
	proceed := c.flags.Bool("proceed", false, "the decision as reviewed may go ahead")
	uphold := c.flags.Bool("uphold", false, "the opinion stands (default)")
	collective := c.flags.String("collective", "", "the collective discussion's record (集体讨论记录), a JSON object")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("decision", strings.TrimSpace(*decision)); err != nil {
			return err
		}
		if *proceed && *uphold {
			return usagef("--proceed and --uphold: give one")
		}
		if err := checkID("review", args[0]); err != nil {
			return err
		}
		res := casework.ResolutionUphold
		if *proceed {
			res = casework.ResolutionProceed
		}
		var col *casework.Collective
		if *collective != "" {
			raw, err := readCapped(*collective, "--collective", maxCollectiveFile)
			if err != nil {
				return err
			}
			col = &casework.Collective{}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(col); err != nil || dec.More() {
				return usagef("--collective %s: want one JSON object {\"held\",\"attendees\",\"conclusion\"}: %v", *collective, err)
			}
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.ResolveReview(ctx, args[0], res, *decision, col); err != nil {
			return err
		}
		tprintf(x.e.stdout, "review %s: resolved by %s: %s\n", args[0], s.Officer.ID, res.Label())
		return nil
	}
	return c
}

func cmdReviewStats() *command {
	c := newCommand("review stats", "[--json]",
		"figures of legal review per agency: reviewers against officers, major decisions reviewed first, turnaround, rounds, pending", 0)
	c.detail = `Exit 1 when a finalized major decision was not preceded by a passed review
of exactly it (each is named): the record holds what the rules forbid.`
	asJSON := c.flags.Bool("json", false, "one JSON object")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		st, err := t.ReviewStats(ctx, t.Now())
		if err != nil {
			return err
		}
		if *asJSON {
			err = json.NewEncoder(x.e.stdout).Encode(st)
		} else {
			info, _ := t.Store().Terminal(ctx) // the own agency's name, a courtesy
			printReviewStats(x.e.stdout, st, map[string]string{info.Agency: info.AgencyName})
		}
		for _, a := range st.Agencies {
			if err == nil && len(a.Unreviewed) > 0 {
				return errProblems
			}
		}
		return err
	}
	return c
}

// printReviewStats writes the figures; agencyNames names the agencies it knows.
func printReviewStats(w io.Writer, st terminal.ReviewStats, agencyNames map[string]string) {
	for _, a := range st.Agencies {
		met := "met"
		if !a.RatioMet {
			met = "NOT MET"
		}
		tprintf(w, "agency %s %s\n", a.Agency, agencyNames[a.Agency])
		tprintf(w, "  officers %d, reviewers %d (at least %d wanted: %s)\n", a.Officers, a.Reviewers, a.ReviewersWanted, met)
		share := "-"
		if a.MajorFinalized > 0 {
			share = fmt.Sprintf("%.0f%%", 100*float64(a.ReviewedFirst)/float64(a.MajorFinalized))
		}
		tprintf(w, "  major decisions finalized %d, reviewed first %d (%s)\n", a.MajorFinalized, a.ReviewedFirst, share)
		for _, u := range a.Unreviewed {
			tprintf(w, "  NOT REVIEWED FIRST: case %s document %s version %d, signed %s\n", u.Case, u.Doc, u.Version, u.At)
		}
		tr := a.Turnaround
		if tr.Rounds > 0 {
			tprintf(w, "  turnaround over %d round(s): median %.1f h (%d working days), max %.1f h (%d working days)\n",
				tr.Rounds, tr.MedianHours, tr.MedianWorkdays, tr.MaxHours, tr.MaxWorkdays)
		}
		if a.ReviewedCases > 0 {
			tprintf(w, "  reviewed cases %d: rounds mean %.2f, max %d\n", a.ReviewedCases, a.RoundsMean, a.RoundsMax)
		}
		tprintf(w, "  pending %d, overdue %d\n", a.Pending, a.Overdue)
	}
}

// caseReview is what `case show` adds about legal review: the proposed
// decision, whether it is major and by which criteria, and the review's
// rounds.
type caseReview struct {
	Decision     *casework.Decision `json:"decision"`
	DecisionText string             `json:"decision_text,omitempty"`
	Major        bool               `json:"major"`
	Criteria     []criterionShown   `json:"criteria"`
	Review       *reviewSummary     `json:"review"`
}

type criterionShown struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// reviewSummary is a case's review in short: its state and each round's
// outcome.
type reviewSummary struct {
	ID     string         `json:"id"`
	State  string         `json:"state"`
	Passed bool           `json:"passed"`
	Rounds []roundSummary `json:"rounds"`
}

type roundSummary struct {
	Round      int    `json:"round"`
	Due        string `json:"due"`
	Reviewer   string `json:"reviewer,omitempty"`
	Outcome    string `json:"outcome,omitempty"`
	Disputed   bool   `json:"disputed"`
	Resolution string `json:"resolution,omitempty"`
}

// caseReviewOf reads a case's decision and review.
func caseReviewOf(ctx context.Context, t *terminal.Terminal, caseID string) (caseReview, error) {
	out := caseReview{Criteria: []criterionShown{}}
	cd, has, err := t.CaseDecision(ctx, caseID)
	if err != nil {
		return out, err
	}
	if has {
		out.Decision, out.DecisionText, out.Major = &cd.Decision, cd.Decision.Describe(), cd.Major
		for _, c := range cd.Matched {
			out.Criteria = append(out.Criteria, criterionShown{ID: c.ID, Label: c.Label})
		}
	}
	rounds, err := t.Store().CaseReviewRounds(ctx, caseID)
	if err != nil || len(rounds) == 0 {
		return out, err
	}
	last := rounds[len(rounds)-1]
	out.Review = &reviewSummary{ID: last.ID, State: roundState(last, t.Now()), Passed: last.Passed()}
	for _, r := range rounds {
		out.Review.Rounds = append(out.Review.Rounds, roundSummary{Round: r.Round, Due: r.Due, Reviewer: r.Reviewer,
			Outcome: string(r.Outcome), Disputed: r.Disputed, Resolution: string(r.Resolution)})
	}
	return out, nil
}

// printCaseReview writes the decision and review lines of `case show`.
func printCaseReview(w io.Writer, cr caseReview) {
	if cr.Decision == nil {
		return
	}
	tprintf(w, "  decision (拟作出的决定): %s\n", cr.DecisionText)
	if !cr.Major {
		fmt.Fprintln(w, "  major: no — legal review not required by the list in force")
	} else {
		labels := make([]string, len(cr.Criteria))
		for i, c := range cr.Criteria {
			labels[i] = c.Label + " (" + c.ID + ")"
		}
		tprintf(w, "  major: yes (重大执法决定) — %s\n", strings.Join(labels, "；"))
	}
	if r := cr.Review; r != nil {
		tprintf(w, "  legal review %s, round %d: %s\n", r.ID, len(r.Rounds), r.State)
	} else if cr.Major {
		fmt.Fprintln(w, "  legal review: not submitted (review submit); the decision is held until it passes")
	}
}

func cmdReviewPDF() *command {
	c := newCommand("review pdf", "ID --out F.pdf [--round N] [--collective] [--reason TEXT]",
		"render a round's 法制审核意见书 (or, with --collective, its 集体讨论记录) as a PDF, recorded as the acting officer's access", 1)
	c.detail = `Making the PDF is an access (access.review_printed, kind "opinion" or
"discussion"), signed by the terminal and co-signed by the acting officer
(LAWTRAIL_OFFICER, else the first admin; LAWTRAIL_PIN); one who is not on
the review's case says why with --reason, or the rule refuses (exit 4).`
	out := c.flags.String("out", "", "PDF file to write (required)")
	round := c.flags.Int("round", 0, "round (default: the latest)")
	collective := c.flags.Bool("collective", false, "the record of the collective discussion a head's resolution names, instead of the opinion")
	reason := c.flags.String("reason", "", "why you access it (required when you are not on its case)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("out", *out); err != nil {
			return err
		}
		if *round < 0 {
			return usagef("--round %d: rounds count from 1", *round)
		}
		_, rounds, err := openRounds(ctx, x, args[0])
		if err != nil {
			return err
		}
		id, n := args[0], *round
		if n == 0 && len(rounds) > 0 {
			n = rounds[len(rounds)-1].Round
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		printPaper, what := s.PrintReviewOpinion, "法制审核意见书"
		if *collective {
			printPaper, what = s.PrintCollectiveDiscussion, "集体讨论记录"
		}
		pdf, err := printPaper(ctx, id, n, *reason)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, pdf, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		tprintf(x.e.stdout, "%s round %d %s → %s (%d bytes)\n", id, n, what, *out, len(pdf))
		return nil
	}
	return c
}

// openRounds opens the terminal and reads every round of review id.
func openRounds(ctx context.Context, x *call, id string) (*terminal.Terminal, []store.ReviewRound, error) {
	if err := checkID("review", id); err != nil {
		return nil, nil, err
	}
	t, err := x.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	rounds, err := t.ReviewRounds(ctx, id)
	return t, rounds, err
}
