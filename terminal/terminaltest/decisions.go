package terminaltest

import (
	"context"
	"encoding/json"
	"testing"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// The party of FineOnIndividual: an individual whose name, ID-card number,
// phone and street address must never reach a public page.
const (
	PartyName    = "王小明"
	PartyID      = "35010219900101123X"
	PartyPhone   = "13800001111"
	PartyAddress = "福建省福州市鼓楼区五四路128号"
	// PartyMasked is the party's name as the masking rules publish it.
	PartyMasked = "王某"
)

// OpenCase opens a case numbered number with title by officer and returns
// its id.
func (f *Fixture) OpenCase(t testing.TB, officer *terminal.Session, number, title string) string {
	t.Helper()
	c, err := officer.OpenCase(context.Background(), terminal.NewCase{Number: number, Title: title})
	if err != nil {
		t.Fatal(err)
	}
	return c.Case
}

// FineOnIndividual finalizes, by officer, a 行政处罚决定书 in caseID fining
// the party (PartyName, PartyID …) yuan (an integer string), decided on
// decided ("2006-01-02 15:04"), and returns the document's id. The facts
// repeat the ID-card number and the phone (split as people write it) so
// that masking is put to the test. A fine of 10,000 yuan or more is major
// by the bundled list: draft it with FineDraft, have it reviewed, then
// finalize it (Session.FinalizeLatestDraft).
func (f *Fixture) FineOnIndividual(t testing.TB, officer *terminal.Session, caseID, yuan, decided string) (doc string) {
	t.Helper()
	doc = f.FineDraft(t, officer, caseID, yuan, decided)
	if _, err := officer.FinalizeLatestDraft(context.Background(), doc, nil); err != nil {
		t.Fatal(err)
	}
	return doc
}

// FineDraft saves, by officer, the draft of FineOnIndividual's decision and
// returns the document's id.
func (f *Fixture) FineDraft(t testing.TB, officer *terminal.Session, caseID, yuan, decided string) (doc string) {
	t.Helper()
	d := terminal.DocumentDraft{Case: caseID, Template: "penalty_decision", Fields: map[string]json.RawMessage{
		"doc_no": json.RawMessage(`"示市监罚〔2026〕11号"`),
		"party": json.RawMessage(`{"name":"` + PartyName + `","id_no":"` + PartyID + `","address":"` + PartyAddress + `",` +
			`"legal_rep":"","phone":"` + PartyPhone + `"}`),
		"facts":      json.RawMessage(`"当事人` + PartyName + `（身份证号` + PartyID + `，电话138 0000 1111）销售过期食品。"`),
		"basis":      json.RawMessage(`"《食品安全法》第一百二十四条。"`),
		"penalty":    json.RawMessage(`"罚款` + yuan + `元。"`),
		"fine":       json.RawMessage(yuan),
		"decision":   json.RawMessage(`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"fine","amount_yuan":` + yuan + `}]}`),
		"payment":    json.RawMessage(`"十五日内缴纳。"`),
		"remedies":   json.RawMessage(`"六十日内申请行政复议。"`),
		"decided_at": json.RawMessage(`"` + decided + `"`),
	}}
	draft, err := officer.SaveDraft(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return draft.Doc
}

// PublishDoc publishes the finalized decision doc by publisher (who holds
// the publisher role) with the text the masking rules prepare, and returns
// the publication's id.
func (f *Fixture) PublishDoc(t testing.TB, publisher *terminal.Session, doc string) (publication string) {
	t.Helper()
	ctx := context.Background()
	d, err := publisher.PreparePublication(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := publisher.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return p.Publication
}

// WithdrawPublication withdraws publication by publisher with code and
// reason.
func (f *Fixture) WithdrawPublication(t testing.TB, publisher *terminal.Session, publication string, code casework.WithdrawCode, reason string) {
	t.Helper()
	if err := publisher.Withdraw(context.Background(), publication, code, reason); err != nil {
		t.Fatal(err)
	}
}
