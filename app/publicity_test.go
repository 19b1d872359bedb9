package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/terminal"
)

const uiPartyID = "35010219900101123X"

// Publicity in the case view (DOMAIN P3: a finalized decision is published
// within its deadline with the party's personal information masked, and
// withdrawn with a reason). 张三 finalizes a 行政处罚决定书 fining 王小明, an
// individual, 500 yuan (not major: no review holds it); the case view
// shows it pending with its due day, and 张三, no publisher, gets no 公示.
// 孙八, the 公示管理员, taps 公示 and reads the text the rules give: the
// party as 王某, no ID-card number anywhere. Signing it with the number
// typed back into the facts is refused in words and records nothing; he
// edits the facts and signs: the record holds the publication as edited,
// by 孙八, and the view says 已公示. He withdraws it as 撤销 with a reason:
// the record and the view hold the withdrawal and its reason.
func TestUIPublishAndWithdraw(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	ctx := context.Background()
	eventually(t, "the main screen", func() bool { return u.main != nil })
	if _, err := u.sess.EnrollOfficer(ctx, terminal.NewOfficer{ID: "o-006", Name: "孙八", CredentialNo: "35010000006",
		Roles: []casework.Role{casework.RolePublisher}, PIN: []byte("864206")}); err != nil {
		t.Fatal(err)
	}
	c, row := openDemoCase(t, u)
	eventually(t, "no decision to publish said", func() bool { return strings.Contains(objectText(c.Timeline), lang.L("publicity.none")) })
	doc := finalizeFineOnIndividual(t, u, c, "500", "")

	pending := publicationRows(t, u)
	if len(pending) != 1 || pending[0].State != terminal.PublicationPending || pending[0].Doc != doc || pending[0].Overdue {
		t.Fatalf("publicity after finalizing: %+v", pending)
	}
	wantPending := lang.X("publicity.pending", "", map[string]any{"Doc": "行政处罚决定书", "Version": 1,
		"Decided": pending[0].Decided, "Due": pending[0].Due})
	fyne.DoAndWait(func() { c.Open(u, row) })
	eventually(t, "the decision pending in 张三's view", func() bool { return strings.Contains(objectText(c.Timeline), wantPending) })
	if findButton(c.Timeline, lang.L("publicity.prepare")) != nil {
		t.Error("张三, no publisher, is offered 公示")
	}

	// 孙八 prepares it and reads the masked text.
	loginAs(t, u, "孙八", "864206")
	c, _ = openDemoCase(t, u)
	eventually(t, "the pending decision and 公示", func() bool {
		return strings.Contains(objectText(c.Timeline), wantPending) && findButton(c.Timeline, lang.L("publicity.prepare")) != nil
	})
	c.Status.SetText("")
	test.Tap(findButton(c.Timeline, lang.L("publicity.prepare")))
	p := c.Publicity
	eventually(t, "the text to review", func() bool { return findButton(c.Timeline, lang.L("publicity.sign")) != nil })
	in := p.Text
	shown := strings.Join([]string{in.Title.Text, in.Party.Text, in.Address.Text, in.Facts.Text, in.Basis.Text, in.Outcome.Text}, "\n")
	if in.Party.Text != "王某" || strings.Contains(shown, "王小明") || strings.Contains(shown, uiPartyID) ||
		!strings.Contains(in.Facts.Text, "王某") || !strings.Contains(in.Title.Text, "示市监罚〔2026〕9号") {
		t.Fatalf("the text shown for review:\n%s", shown)
	}

	// The ID-card number typed back is refused; nothing is recorded.
	masked := in.Facts.Text
	before := eventCount(t, u)
	test.Type(in.Facts, "身份证号"+uiPartyID)
	c.Status.SetText("")
	test.Tap(p.Publish)
	eventually(t, "the refusal", func() bool { return c.Status.Text != "" })
	if !says(c.Status.Text, "err."+terminal.CodeRule) || eventCount(t, u) != before {
		t.Fatalf("signing a text with the ID-card number: %q, %d events recorded", c.Status.Text, eventCount(t, u)-before)
	}

	// Edited and signed.
	in.Facts.SetText(masked + "经查属实。")
	c.Status.SetText("")
	test.Tap(p.Publish)
	eventually(t, "the publication signed", func() bool { return c.Status.Text != "" })
	if c.Status.Text != lang.L("cases.saved") {
		t.Fatalf("签署公示: %q", c.Status.Text)
	}
	rows := publicationRows(t, u)
	if len(rows) != 1 || rows[0].State != terminal.PublicationPublished || rows[0].Publication.Text.Facts != masked+"经查属实。" ||
		rows[0].Publication.Text.Party != "王某" || rows[0].Publication.PublishedBy != "o-006" || rows[0].Doc != doc {
		t.Fatalf("publicity after signing: %+v", rows)
	}
	pub := rows[0].Publication
	signedBy(t, u, pub.Terminal, pub.Seq, "o-006")
	wantPublished := lang.X("publicity.published", "", map[string]any{"Title": pub.Text.Title, "By": "孙八",
		"At": pub.PublishedAt.In(casework.Shanghai).Format(timeLayout), "Due": pub.Due})
	eventually(t, "已公示 and 撤回 in the view", func() bool {
		text := objectText(c.Timeline)
		return strings.Contains(text, wantPublished) && !strings.Contains(text, wantPending) &&
			findButton(c.Timeline, lang.L("publicity.withdraw")) != nil
	})

	// Withdrawn as 撤销, with the reason.
	fyne.DoAndWait(func() { p.Code.SetSelected(withdrawCodeText(casework.WithdrawRevoked)) })
	test.Type(p.Reason, "行政复议决定撤销原处罚决定")
	c.Status.SetText("")
	test.Tap(p.Withdraw)
	eventually(t, "the withdrawal", func() bool { return c.Status.Text != "" })
	if c.Status.Text != lang.L("cases.saved") {
		t.Fatalf("撤回: %q", c.Status.Text)
	}
	rows = publicationRows(t, u)
	if len(rows) != 1 || rows[0].State != terminal.PublicationWithdrawn || rows[0].Publication.WithdrawnCode != casework.WithdrawRevoked ||
		rows[0].Publication.WithdrawReason != "行政复议决定撤销原处罚决定" || rows[0].Publication.WithdrawnBy != "o-006" {
		t.Fatalf("publicity after withdrawing: %+v", rows)
	}
	wantWithdrawn := lang.X("publicity.withdrawn", "", map[string]any{"Title": pub.Text.Title, "Code": withdrawCodeText(casework.WithdrawRevoked),
		"Reason": "行政复议决定撤销原处罚决定", "WithdrawnAt": rows[0].Publication.WithdrawnAt.In(casework.Shanghai).Format(timeLayout)})
	eventually(t, "已撤回 with the reason in the view", func() bool {
		return strings.Contains(objectText(c.Timeline), wantWithdrawn) && findButton(c.Timeline, lang.L("publicity.withdraw")) == nil
	})
}

// finalizeFineOnIndividual drafts a 行政处罚决定书 for the case open fining
// 王小明 yuan — name, ID-card number and address typed into the party's
// entries, the facts naming him with his number — decided at decided
// ("2006-01-02 15:04"; now when "") and finalizes it.
func finalizeFineOnIndividual(t *testing.T, u *UI, c *Cases, yuan, decided string) string {
	t.Helper()
	fyne.DoAndWait(func() {
		c.DocTemplate.SetSelected("行政处罚决定书")
		c.OpenEditor(u)
	})
	ed := c.Editor
	for key, v := range map[string]string{"doc_no": "示市监罚〔2026〕9号", "party": "王小明",
		"facts": "当事人王小明（身份证号" + uiPartyID + "）销售过期食品。", "basis": "《食品安全法》第一百二十四条。",
		"penalty": "罚款" + yuan + "元。", "fine": yuan, "payment": "十五日内缴纳。", "remedies": "六十日内申请行政复议。"} {
		ed.Set(key, v)
	}
	if decided != "" {
		ed.Set("decided_at", decided)
	}
	test.Type(entryWithPlaceHolder(t, ed.View(), lang.L("doc.party.id")), uiPartyID)
	test.Type(entryWithPlaceHolder(t, ed.View(), lang.L("doc.party.address")), "福建省福州市鼓楼区五四路128号")
	ed.Decision.PartyKind.SetSelected(casework.PartyIndividual.Label())
	test.Tap(ed.Decision.AddPenalty)
	ed.Decision.Penalties[0].Kind.SetSelected(casework.PenaltyFine.Label())
	test.Type(ed.Decision.Penalties[0].Amount, yuan)
	// Saved first: closing the window after finalizing autosaves what is
	// unsaved since the last save (document.go), a stray draft otherwise.
	ed.Status.SetText("")
	test.Tap(ed.Save)
	eventually(t, "the draft saved", func() bool { return ed.Status.Text != "" })
	if ed.Status.Text != lang.L("doc.saved") {
		t.Fatalf("saving the decision: %q", ed.Status.Text)
	}
	ed.Status.SetText("")
	test.Tap(ed.Finalize)
	eventually(t, "the decision finalized", func() bool { return ed.Finalized == 1 || ed.Status.Text != "" })
	if ed.Finalized != 1 {
		t.Fatalf("finalizing the decision: %q", ed.Status.Text)
	}
	fyne.DoAndWait(ed.win.Close)
	return ed.DocID
}

// A decision left unpublished past its due day (7 working days after it
// was made, DOMAIN P3) is said overdue in the case view, in red.
func TestUIOverduePublicationInRed(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	c, row := openDemoCase(t, u)
	decided := u.term.Now().AddDate(0, 0, -30).In(casework.Shanghai)
	finalizeFineOnIndividual(t, u, c, "500", decided.Format(timeLayout))
	rows := publicationRows(t, u)
	if len(rows) != 1 || rows[0].State != terminal.PublicationPending || !rows[0].Overdue || rows[0].Decided != decided.Format("2006-01-02") {
		t.Fatalf("publicity of a decision made 30 days ago: %+v", rows)
	}
	want := lang.X("publicity.pending.overdue", "", map[string]any{"Doc": "行政处罚决定书", "Version": 1,
		"Decided": rows[0].Decided, "Due": rows[0].Due})
	fyne.DoAndWait(func() { c.Open(u, row) })
	var l *widget.Label
	eventually(t, "the overdue decision in the view", func() bool {
		l, _ = findObject(c.Timeline, func(o fyne.CanvasObject) bool { l, ok := o.(*widget.Label); return ok && l.Text == want }).(*widget.Label)
		return l != nil
	})
	if l.Importance != widget.DangerImportance {
		t.Errorf("the overdue decision is not in red (importance %v)", l.Importance)
	}
}

// entryWithPlaceHolder is the entry inside o showing placeholder.
func entryWithPlaceHolder(t *testing.T, o fyne.CanvasObject, placeholder string) *widget.Entry {
	t.Helper()
	e, _ := findObject(o, func(c fyne.CanvasObject) bool {
		e, ok := c.(*widget.Entry)
		return ok && e.PlaceHolder == placeholder
	}).(*widget.Entry)
	if e == nil {
		t.Fatalf("no entry %q", placeholder)
	}
	return e
}

// publicationRows is the record's publicity list, as the action layer reads it.
func publicationRows(t *testing.T, u *UI) []terminal.PublicationRow {
	t.Helper()
	rows, err := u.term.Publications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
