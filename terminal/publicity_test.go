package terminal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// partyID is the ID-card number of the fined party (terminaltest's fine).
const partyID = terminaltest.PartyID

func rowsByState(t *testing.T, tm *terminal.Terminal) map[terminal.PublicationState][]terminal.PublicationRow {
	t.Helper()
	rows, err := tm.Publications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[terminal.PublicationState][]terminal.PublicationRow{}
	for _, r := range rows {
		out[r.State] = append(out[r.State], r)
	}
	return out
}

// P3 on a terminal: a finalized fine on an individual is pending with its
// due day (7 working days); only the publisher publishes; the text is
// masked by the rules and a text still carrying the ID-card number is
// refused; a case is published once; withdrawal needs a reason and
// happens once; a decision past its due day unpublished is overdue.
func TestPublishAndWithdraw(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-006", "孙八", "", "246806", casework.RolePublisher)
	officer, publisher := f.Login(t, "o-002", "246802"), f.Login(t, "o-006", "246806")
	c, err := officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕11号", Title: "销售过期食品"})
	if err != nil {
		t.Fatal(err)
	}
	doc := f.FineOnIndividual(t, officer, c.Case, "5000", "2026-11-25 10:00")

	pending := rowsByState(t, f.Terminal)[terminal.PublicationPending]
	// Decided Wednesday 11-25: 26, 27, 30 November, 1–4 December.
	if len(pending) != 1 || pending[0].Doc != doc || pending[0].Due != "2026-12-04" || pending[0].Overdue {
		t.Fatalf("pending %+v, want the decision due 2026-12-04, not overdue", pending)
	}

	_, err = officer.PreparePublication(ctx, doc)
	wantCode(t, "an officer who is no publisher", err, terminal.CodeRole)

	d, err := publisher.PreparePublication(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	all := d.Text.All()
	if d.Text.Party != "王某" || strings.Contains(all, "王小明") || strings.Contains(all, partyID) || strings.Contains(all, "0000 1111") ||
		d.Text.Address != "福建省福州市鼓楼区**" || d.Due != "2026-12-04" || d.Decided != "2026-11-25" {
		t.Fatalf("prepared %+v", d)
	}

	leaky := d
	leaky.Text.Facts += "（身份证号 " + partyID[:6] + " " + partyID[6:] + "）"
	_, err = publisher.Publish(ctx, leaky)
	wantCode(t, "a text carrying the ID-card number", err, terminal.CodeRule)
	leaky = d
	leaky.Text.Party = "王 小明"
	_, err = publisher.Publish(ctx, leaky)
	wantCode(t, "a text naming the party in full", err, terminal.CodeRule)
	if n := len(rowsByState(t, f.Terminal)[terminal.PublicationPublished]); n != 0 {
		t.Fatalf("%d publications after refusals", n)
	}

	d.Text.Facts = "当事人王某销售过期食品，经查属实。" // the publisher's edit
	p, err := publisher.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	byState := rowsByState(t, f.Terminal)
	if pub := byState[terminal.PublicationPublished]; len(pub) != 1 || pub[0].Publication.Publication != p.Publication ||
		pub[0].Publication.Text.Facts != d.Text.Facts || pub[0].Publication.PublishedBy != "o-006" || pub[0].Overdue || len(byState[terminal.PublicationPending]) != 0 {
		t.Fatalf("after publishing: %+v", byState)
	}
	again, err := publisher.PreparePublication(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = publisher.Publish(ctx, again)
	wantCode(t, "a second publication of the case", err, terminal.CodeRule)

	wantCode(t, "withdrawal without a reason", publisher.Withdraw(ctx, p.Publication, casework.WithdrawRevoked, " "), terminal.CodeBadInput)
	wantCode(t, "withdrawal by an officer", officer.Withdraw(ctx, p.Publication, casework.WithdrawRevoked, "复议撤销"), terminal.CodeRole)
	if err := publisher.Withdraw(ctx, p.Publication, casework.WithdrawRevoked, "行政复议决定撤销原处罚决定"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a second withdrawal", publisher.Withdraw(ctx, p.Publication, casework.WithdrawOther, "再次"), terminal.CodeRule)
	byState = rowsByState(t, f.Terminal)
	if w := byState[terminal.PublicationWithdrawn]; len(w) != 1 || w[0].Publication.WithdrawnCode != casework.WithdrawRevoked ||
		w[0].Publication.WithdrawReason != "行政复议决定撤销原处罚决定" || len(byState[terminal.PublicationPending]) != 0 {
		t.Fatalf("after withdrawal: %+v", byState)
	}

	// Another decision, left unpublished past its due day, is overdue.
	c2, err := officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕12号", Title: "无证经营"})
	if err != nil {
		t.Fatal(err)
	}
	f.FineOnIndividual(t, officer, c2.Case, "3000", "2026-11-25 10:00")
	f.Clock.T = time.Date(2026, 12, 5, 9, 0, 0, 0, casework.Shanghai)
	if p := rowsByState(t, f.Terminal)[terminal.PublicationPending]; len(p) != 1 || p[0].Case != c2.Case || !p[0].Overdue {
		t.Fatalf("pending after the due day: %+v", p)
	}
}
