package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/terminal"
)

// The officer who got 存在问题 changes the same draft decision document and
// resubmits it (DOMAIN L8: a major decision is reviewed as the document
// that will be made; the next round fixes that document's changed draft).
// 张三 drafts a 行政处罚决定书 fining an organisation 200,000 yuan and
// submits it; 王五 finds 存在问题. 张三 finds the document in the case view
// (template, 草稿 open, no finalized version), reopens the draft — the
// editor holds its values — changes the fine to 150,000 and saves: the
// document keeps its id, its draft holds the new amount, the case still
// has one document, and the resubmission names that document by its new
// draft's hash. After 同意 he finalizes it; the case view then shows
// 第1版已定稿, its PDF opens, and 更正 starts the draft of version 2 from
// version 1's values.
func TestUIReopenedDraftIsResubmitted(t *testing.T) {
	defer holdUI()()
	u, d, _ := demoUI(t)
	ctx := context.Background()
	eventually(t, "the main screen", func() bool { return u.main != nil })
	enrollReviewer(t, u) // 王五, o-003, PIN 864203
	c, row := openDemoCase(t, u)
	if text := objectText(c.Timeline); !strings.Contains(text, lang.L("cases.docs.none")) {
		t.Errorf("a case with no document does not say so:\n%s", text)
	}
	first := newPenaltyDecision(t, u, c, "200000")
	doc := first.DocID
	fyne.DoAndWait(first.win.Close)
	review := tapCaseReview(t, u, c, lang.L("review.submit"))[0].ID
	rd := openDesk(t, u, "王五", "864203")
	giveOpinion(t, u, rd, review, func() {
		rd.Outcome.SetSelected(casework.OutcomeProblems.Label())
		test.Type(rd.Problems, "罚款数额过高")
	})

	// 张三 finds the draft in the case view and reopens it.
	loginAs(t, u, "张三", d.PIN)
	c, _ = openDemoCase(t, u)
	eventually(t, "the draft listed in the case view", func() bool {
		return strings.Contains(objectText(c.Timeline), "行政处罚决定书  "+lang.L("cases.doc.draft")) &&
			findButton(c.Timeline, lang.L("cases.doc.edit")) != nil
	})
	if findButton(c.Timeline, lang.L("doc.pdf")) != nil || findButton(c.Timeline, lang.L("cases.doc.correct")) != nil {
		t.Error("a document never finalized offers a PDF or a correction")
	}
	test.Tap(findButton(c.Timeline, lang.L("cases.doc.edit")))
	ed := c.Editor
	if ed == first || ed.DocID != doc || ed.Finalized != 0 {
		t.Fatalf("the reopened editor: document %q (want %q), finalized %d", ed.DocID, doc, ed.Finalized)
	}
	values := ed.Values()
	for key, want := range map[string]string{"fine": `"200000"`, "facts": `"销售过期食品。"`, "doc_no": `"示市监罚〔2026〕7号"`} {
		if string(values[key]) != want {
			t.Errorf("reopened field %s = %s, want %s", key, values[key], want)
		}
	}
	if got := ed.Decision.Penalties[0].Amount.Text; got != "200000" || !strings.Contains(string(values["party"]), "某某食品有限公司") {
		t.Errorf("the reopened decision's fine %q, party %s", got, values["party"])
	}
	ed.Decision.Penalties[0].Amount.SetText("")
	test.Type(ed.Decision.Penalties[0].Amount, "150000")
	ed.Set("fine", "150000")
	ed.Status.SetText("")
	test.Tap(ed.Save)
	eventually(t, "the reopened draft saved", func() bool { return ed.Status.Text != "" })
	if ed.Status.Text != lang.L("doc.saved") || ed.DocID != doc {
		t.Fatalf("saving the reopened draft: %q, document %q (want %q)", ed.Status.Text, ed.DocID, doc)
	}
	stored, err := u.st().Document(ctx, doc)
	if err != nil || stored.DraftContent == nil {
		t.Fatalf("the document after saving: %+v, %v", stored, err)
	}
	dec, err := casework.ParseDecision(stored.DraftContent.Fields["decision"])
	if err != nil || dec.Penalties[0].AmountYuan != "150000" || string(stored.DraftContent.Fields["fine"]) != `"150000"` ||
		string(stored.DraftContent.Fields["facts"]) != `"销售过期食品。"` {
		t.Fatalf("the stored draft: decision %+v (%v), fields %s", dec, err, stored.DraftContent.Fields)
	}
	if docs, err := u.st().CaseDocuments(ctx, row.ID); err != nil || len(docs) != 1 {
		t.Fatalf("the case's documents after reopening: %d, %v", len(docs), err)
	}
	eventually(t, "the case view to show the changed decision", func() bool {
		return strings.Contains(objectText(c.Timeline), "罚款 150000 元") && c.Review.state.doc == doc
	})
	rounds := tapCaseReview(t, u, c, lang.L("review.resubmit"))
	hash, err := stored.DraftContent.Hash()
	if err != nil || len(rounds) != 2 || rounds[1].ID != review || rounds[1].Doc != doc || *rounds[1].DocHash != hash ||
		rounds[1].Decision.Penalties[0].AmountYuan != "150000" {
		t.Fatalf("the resubmission %+v (hash %v), want document %s's new draft", rounds, err, doc)
	}

	// 同意; 张三 finalizes it from the reopened editor.
	rd = openDesk(t, u, "王五", "864203")
	giveOpinion(t, u, rd, review, func() { rd.Outcome.SetSelected(casework.OutcomeAgree.Label()) })
	loginAs(t, u, "张三", d.PIN)
	c, _ = openDemoCase(t, u)
	ed.Status.SetText("")
	test.Tap(ed.Finalize)
	eventually(t, "the decision finalized", func() bool { return ed.Finalized == 1 })
	if ed.DocID != doc {
		t.Fatalf("finalized as %q, not %q", ed.DocID, doc)
	}
	fyne.DoAndWait(ed.win.Close)

	// The case view shows version 1; its PDF opens; 更正 starts version 2.
	fyne.DoAndWait(func() { c.Open(u, row) })
	eventually(t, "version 1 in the case view", func() bool {
		return strings.Contains(objectText(c.Timeline), "行政处罚决定书  "+lang.X("cases.doc.final", "", map[string]any{"Version": 1})) &&
			findButton(c.Timeline, lang.L("cases.doc.correct")) != nil && findButton(c.Timeline, lang.L("doc.pdf")) != nil
	})
	test.Tap(findButton(c.Timeline, lang.L("doc.pdf")))
	eventually(t, "the PDF written", func() bool { return c.LastPDF != "" })
	if pdf, err := os.ReadFile(c.LastPDF); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !strings.Contains(c.LastPDF, doc+"-v1") {
		t.Fatalf("the PDF %s: %.8q, %v", c.LastPDF, pdf, err)
	}
	test.Tap(findButton(c.Timeline, lang.L("cases.doc.correct")))
	fix := c.Editor
	if fix == ed || fix.DocID != doc || fix.Finalized != 1 || string(fix.Values()["fine"]) != `"150000"` {
		t.Fatalf("the correction's editor: document %q, finalized %d, fine %s", fix.DocID, fix.Finalized, fix.Values()["fine"])
	}
	fix.Set("facts", "销售过期食品，货值三万元。")
	fix.Status.SetText("")
	test.Tap(fix.Save)
	eventually(t, "the correction's draft saved", func() bool { return fix.Status.Text != "" })
	stored, err = u.st().Document(ctx, doc)
	if err != nil || fix.Status.Text != lang.L("doc.saved") || stored.Finalized != 1 || stored.DraftContent == nil ||
		stored.DraftContent.Version != 2 || string(stored.DraftContent.Fields["facts"]) != `"销售过期食品，货值三万元。"` {
		t.Fatalf("the correction %q: %+v, %v", fix.Status.Text, stored.DraftContent, err)
	}
	fyne.DoAndWait(fix.win.Close)
}

// The editor fills every kind of field it can carry from recorded values,
// and reads them back the same (what a reopened draft saves unchanged).
func TestDocumentEditorLoadsRecordedValues(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	c, _ := openDemoCase(t, u)
	for _, id := range []string{"onsite_record", "penalty_decision"} {
		tpl := u.term.Config().Templates[id]
		if tpl == nil {
			t.Fatalf("no template %s", id)
		}
		var ed *DocumentEditor
		fyne.DoAndWait(func() { ed = c.showEditor(u, tpl) })
		want := map[string]json.RawMessage{}
		for _, f := range tpl.Fields() {
			if raw := sampleValue(f.Type); raw != nil {
				want[f.Key] = raw
			}
		}
		fyne.DoAndWait(func() { ed.Load(want) })
		got := ed.Values()
		for key, raw := range want {
			if !jsonEqual(got[key], raw) {
				t.Errorf("%s.%s: loaded %s, reads back %s", id, key, raw, got[key])
			}
		}
		if ed.dirty {
			t.Errorf("%s: loading counts as typing", id)
		}
		fyne.DoAndWait(ed.win.Close)
	}
}

// sampleValue is a recorded value of a field type the editor carries over
// (nil for signatures and officers, which are taken again).
func sampleValue(t casework.FieldType) json.RawMessage {
	switch t {
	case casework.FieldSignature, casework.FieldOfficers:
		return nil
	case casework.FieldDateTime:
		return json.RawMessage(`"2026-03-02 09:30"`)
	case casework.FieldConfirm:
		return json.RawMessage(`true`)
	case casework.FieldParty:
		return json.RawMessage(`{"address":"示范区一路1号","id_no":"91350100MA0000000X","name":"某某食品有限公司"}`)
	case casework.FieldItems:
		return json.RawMessage(`[{"condition":"完好","location":"仓库","name":"奶粉","quantity":"12罐","spec":"900g"}]`)
	case casework.FieldQA:
		return json.RawMessage(`[{"a":"是我的店","q":"这是谁的店？"},{"a":"三个月","q":"经营多久了？"}]`)
	case casework.FieldDecision:
		return json.RawMessage(`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":200000}]}`)
	case casework.FieldChoice:
		return nil // its options are the template's; checked by the templates that have one
	}
	return json.RawMessage(`"一段文字"`)
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && slices.Equal(canonical(x), canonical(y))
}

func canonical(v any) []byte { b, _ := json.Marshal(v); return b }

// A head extends a pending round's time limit with a reason (DOMAIN L5:
// review within the agency's time limit, extended by a head within the
// days its policy allows). 赵六, a head, sees the latest day the policy
// allows offered; a day past it is refused in words with nothing recorded,
// no reason is asked for, then the allowed day with a reason moves the
// round's due day and the round says why. 王五, a reviewer but no head,
// is not offered the extension.
func TestUIHeadExtendsReview(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	ctx := context.Background()
	eventually(t, "the main screen", func() bool { return u.main != nil })
	for _, o := range []terminal.NewOfficer{
		{ID: "o-003", Name: "王五", CredentialNo: "35010000003", Roles: []casework.Role{casework.RoleReviewer}, PIN: []byte("864203")},
		{ID: "o-004", Name: "赵六", CredentialNo: "35010000004", Roles: []casework.Role{casework.RoleHead}, PIN: []byte("864204")},
	} {
		if _, err := u.sess.EnrollOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := openDemoCase(t, u)
	newPenaltyDecision(t, u, c, "200000")
	submitted := tapCaseReview(t, u, c, lang.L("review.submit"))[0]
	due, err := time.ParseInLocation(time.DateOnly, submitted.Due, casework.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	latest := u.term.Config().Calendar.ReviewDue(due, u.term.Config().MajorList.Review.ExtensionDays)

	rd := openDesk(t, u, "王五", "864203")
	eventually(t, "the review under 待分配", func() bool { return len(rd.Shown()) == 1 })
	fyne.DoAndWait(func() { rd.List.Select(0) })
	eventually(t, "the review as submitted", func() bool { return findButton(rd.Detail, lang.L("review.take")) != nil })
	if findButton(rd.Detail, lang.L("review.extend")) != nil {
		t.Error("a reviewer who is no head is offered the extension")
	}

	rd = openDesk(t, u, "赵六", "864204")
	eventually(t, "the review under 待分配", func() bool { return len(rd.Shown()) == 1 })
	fyne.DoAndWait(func() { rd.List.Select(0) })
	eventually(t, "the head's 延长期限", func() bool { return findButton(rd.Detail, lang.L("review.extend")) != nil })
	if rd.ExtendDue.Text != latest {
		t.Errorf("the day offered %q, the policy's latest %s", rd.ExtendDue.Text, latest)
	}
	extend := func(day, reason string) string {
		t.Helper()
		fyne.DoAndWait(func() {
			rd.ExtendDue.SetText(day)
			rd.ExtendReason.SetText("")
		})
		test.Type(rd.ExtendReason, reason)
		rd.Status.SetText("")
		test.Tap(rd.Extend)
		eventually(t, "the answer to 延长期限", func() bool { return rd.Status.Text != "" })
		return rd.Status.Text
	}
	before := eventCount(t, u)
	past, _ := time.ParseInLocation(time.DateOnly, latest, casework.Shanghai)
	if got := extend(past.AddDate(0, 0, 1).Format(time.DateOnly), "证据需补充"); !says(got, "err.rule") {
		t.Errorf("an extension past the policy: %q", got)
	}
	if got := extend(latest, "  "); got != lang.L("review.extend.pick") {
		t.Errorf("an extension with no reason: %q", got)
	}
	if n := eventCount(t, u); n != before {
		t.Fatalf("refused extensions recorded %d events", n-before)
	}
	if got := extend(latest, "案情复杂，需调取检验报告"); got != lang.L("cases.saved") {
		t.Fatalf("the extension: %q", got)
	}
	rounds, err := u.term.ReviewRounds(ctx, submitted.ID)
	if err != nil || len(rounds) != 1 || rounds[0].Due != latest || rounds[0].ExtendedReason != "案情复杂，需调取检验报告" {
		t.Fatalf("the round after the extension %+v, %v", rounds, err)
	}
	eventually(t, "the extension in the review's record", func() bool {
		return strings.Contains(objectText(rd.Detail), lang.X("review.round.extended", "",
			map[string]any{"Due": latest, "Reason": "案情复杂，需调取检验报告"}))
	})
	ev, body := lastEvent(t, u)
	if body.Type != casework.TypeReviewExtended || body.Actor != "o-004" ||
		!slices.ContainsFunc(ev.CoSigs, func(s evidence.CoSignature) bool { return s.Officer == "o-004" }) {
		t.Fatalf("the last event %s by %s, co-signed by %+v; want review.extended signed by o-004", body.Type, body.Actor, ev.CoSigs)
	}
}

// lastEvent is the latest event of the demo terminal (the only one writing
// to its record), with its body.
func lastEvent(t *testing.T, u *UI) (evidence.Event, evidence.Body) {
	t.Helper()
	info, err := u.st().Terminal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	evs, err := u.st().EventsFrom(context.Background(), info.ID, uint64(eventCount(t, u)), 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("the last event: %d, %v", len(evs), err)
	}
	body, err := evidence.ParseBody(evs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	return evs[0], body
}
