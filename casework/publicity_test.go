package casework

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// P3: 7 working days for 行政处罚 and 行政许可, 20 for other acts, counted
// from the day after the decision on the holiday calendar. 2026-09-18 is a
// Friday; Sunday 09-20 is a make-up workday, 09-25 (中秋) to 09-27 and
// 10-01 to 10-07 (国庆) are off, Saturday 10-10 is a make-up workday.
func TestPublicationDue(t *testing.T) {
	friday := time.Date(2026, 9, 18, 16, 30, 0, 0, Shanghai)
	for _, c := range []struct {
		act  ActType
		want string
	}{
		// 09-20, 21, 22, 23, 24, 28, 29
		{ActPenalty, "2026-09-29"},
		{ActLicensing, "2026-09-29"},
		// the seven above, 09-30, 10-08, 09, 10, 12 … 16, 19 … 22
		{ActInspection, "2026-10-22"},
		{ActCoercion, "2026-10-22"},
	} {
		if got := (Calendar{}).PublicationDue(c.act, friday); got != c.want {
			t.Errorf("%s decided %s: due %s, want %s", c.act, friday.Format(time.DateOnly), got, c.want)
		}
	}
}

func penaltyOnIndividual() DocumentContent {
	return DocumentContent{Doc: "d-1", Case: "c-1", Template: "penalty_decision", TemplateVersion: 2, Version: 1,
		Fields: map[string]json.RawMessage{
			"doc_no":     json.RawMessage(`"示市监罚〔2026〕9号"`),
			"party":      json.RawMessage(`{"name":"欧阳小明","id_no":"35010219900101123X","address":"福建省福州市鼓楼区五四路街道128号","legal_rep":"","phone":"0591-87654321"}`),
			"facts":      json.RawMessage(`"当事人欧阳小明（电话0591-87654321）于2026年9月在福建省福州市鼓楼区五四路街道128号销售过期食品。"`),
			"basis":      json.RawMessage(`"《食品安全法》第一百二十四条。"`),
			"penalty":    json.RawMessage(`"罚款5000元。"`),
			"fine":       json.RawMessage(`5000`),
			"decision":   json.RawMessage(`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"fine","amount_yuan":5000}]}`),
			"payment":    json.RawMessage(`"十五日内缴纳。"`),
			"remedies":   json.RawMessage(`"六十日内申请行政复议。"`),
			"decided_at": json.RawMessage(`"2026-09-18 16:30"`),
		}}
}

// The publication a finalized decision gets by the rules: its act, party
// kind, decision date and due day, and a text with no personal information.
func TestPublicationOf(t *testing.T) {
	tpl := shippedTemplates(t)["penalty_decision"]
	v := penaltyOnIndividual()
	p, party, err := PublicationOf(tpl, v, time.Date(2026, 9, 19, 9, 0, 0, 0, Shanghai), Calendar{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Act != ActPenalty || p.PartyKind != PartyIndividual || p.Decided != "2026-09-18" || p.Due != "2026-09-29" {
		t.Fatalf("publication %+v", p)
	}
	if p.Text.Party != "欧阳某" || p.Text.Address != "福建省福州市鼓楼区五四路街道**" || p.Text.Title != "行政处罚决定书 示市监罚〔2026〕9号" {
		t.Fatalf("text %+v", p.Text)
	}
	all := p.Text.All()
	for _, leak := range []string{"欧阳小明", "87654321", "1234", "128号"} {
		if strings.Contains(all, leak) {
			t.Errorf("the public text carries %q: %s", leak, all)
		}
	}
	if err := CheckMasked(all, party, p.PartyKind); err != nil {
		t.Fatalf("the produced text is refused: %v", err)
	}
	p.Publication = "p-1"
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// A document that carries no decision is not published.
	if _, _, err := PublicationOf(shippedTemplates(t)["onsite_record"], v, time.Now(), Calendar{}); err == nil {
		t.Fatal("an on-site record made a publication")
	}
}

func TestPublicityValidate(t *testing.T) {
	ok := PublicityWithdrawn{Publication: "p-1", Code: WithdrawRevoked, Reason: "复议机关撤销"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []PublicityWithdrawn{
		{Publication: "p-1", Code: "withdrawn", Reason: "x"},
		{Publication: "p-1", Code: WithdrawOther, Reason: "  "},
		{Publication: "", Code: WithdrawOther, Reason: "x"},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
