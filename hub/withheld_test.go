package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/server"
)

// The individual of the withheld-publication tests, as terminaltest's.
const (
	withheldName    = "王小明"
	withheldID      = "35010219900101123X"
	withheldPhone   = "13800001111"
	withheldAddress = "福建省福州市鼓楼区五四路128号"
)

// signed is the terminal's next event carrying payload, signed by its key
// alone: what a rogue terminal (its key taken, its own code) sends. The hub
// accepts it (the signature and the chain hold); only what the hub applies
// is at stake.
func (ft *feedTerminal) signed(t testing.TB, p casework.Payload) server.Verified {
	t.Helper()
	payload, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	ft.seq++
	raw, err := evidence.EncodeBody(evidence.Body{Version: evidence.BodyVersion, Terminal: ft.key.ID(), Seq: ft.seq, Prev: ft.prev,
		Time: time.Date(2026, 11, 27, 10, 0, int(ft.seq), 0, casework.Shanghai), Actor: "o-006", Type: p.EventType(), Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	ev := evidence.Sign(raw, ft.key)
	body, err := evidence.ParseBody(raw)
	if err != nil {
		t.Fatal(err)
	}
	ft.prev = ev.Hash()
	return server.Verified{Event: ev, Body: body}
}

func (ft *feedTerminal) sendSigned(t *testing.T, h *Hub, ps ...casework.Payload) {
	t.Helper()
	var vs []server.Verified
	for _, p := range ps {
		vs = append(vs, ft.signed(t, p))
	}
	if _, err := h.Append(context.Background(), ft.key.ID(), vs, 0, false); err != nil {
		t.Fatal(err)
	}
}

// withheldFine is a finalized 行政处罚决定书 (version 1) fining a party of
// kind, whose facts are facts.
func withheldFine(t *testing.T, n int, kind casework.PartyKind, facts string) *casework.DocFinalized {
	t.Helper()
	party := fmt.Sprintf(`{"name":%q,"id_no":%q,"address":%q,"legal_rep":"","phone":%q}`, withheldName, withheldID, withheldAddress, withheldPhone)
	if kind == casework.PartyOrganisation {
		party = fmt.Sprintf(`{"name":"某某食品有限公司","id_no":"91350100MA00000000","address":%q,"legal_rep":%q,"phone":""}`,
			withheldAddress, withheldName)
	}
	c := casework.DocumentContent{Doc: fmt.Sprintf("d-00000000%04d", n), Case: fmt.Sprintf("c-00000000%04d", n), Template: "penalty_decision",
		TemplateVersion: 2, Version: 1, Fields: map[string]json.RawMessage{
			"doc_no": json.RawMessage(fmt.Sprintf(`"示市监罚〔2026〕%d号"`, n)), "party": json.RawMessage(party),
			"facts": json.RawMessage(fmt.Sprintf("%q", facts)), "basis": json.RawMessage(`"《食品安全法》第一百二十四条。"`),
			"penalty": json.RawMessage(`"罚款500元。"`), "fine": json.RawMessage(`500`),
			"decision": json.RawMessage(`{"act":"penalty","party_kind":"` + string(kind) + `","penalties":[{"kind":"fine","amount_yuan":500}]}`),
			"payment":  json.RawMessage(`"十五日内缴纳。"`), "remedies": json.RawMessage(`"六十日内申请行政复议。"`),
			"decided_at": json.RawMessage(`"2026-11-25 10:00"`)}}
	hash, err := c.Hash()
	if err != nil {
		t.Fatal(err)
	}
	return &casework.DocFinalized{DocumentContent: c, ContentHash: hash}
}

// A rogue terminal of the agency — its key, its own code — finalizes
// decisions on an individual and an organisation and publishes them with
// texts its rules would refuse. The hub keeps each one whose text carries
// the party's full name, an ID-card or phone number (the party's however
// split), the street an individual's address hides, or which names content
// other than the finalized version it holds, off every public view, and
// lists it with the reason, as it does one that states another day of
// decision or kind of party than the document; it publishes the rules' own
// texts, a street the rules' text keeps, and an organisation's address. Check and rebuild
// agree; a withdrawal marks a withheld one withdrawn.
func TestWithheldPublications(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	rogue := registerTerminal(t, h, "某区市场监督管理局")
	cfg, err := bundledConfig()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		kind   casework.PartyKind
		facts  string // the document's
		edit   func(p *casework.PublicityPublished)
		reason string // "" for published
	}{
		{name: "the rules' text", kind: casework.PartyIndividual, facts: "当事人" + withheldName + "销售过期食品。"},
		{name: "the full name", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) {
				p.Text.Facts = "当事人" + withheldName + "销售过期食品。"
			}, reason: "全名"},
		{name: "the full name, a version the hub does not hold named", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) {
				p.DocVersion = 2
				p.PartyKind = casework.PartyOrganisation
				p.Text.Party = withheldName
			}, reason: "全名"},
		{name: "the party claimed an organisation", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) { p.PartyKind = casework.PartyOrganisation }, reason: "决定类别"},
		{name: "a later day of decision (not late)", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) { p.Decided, p.Due = "2026-12-20", "2026-12-29" }, reason: "决定日期"},
		{name: "the ID-card number a digit at a time", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) {
				p.Text.Facts = "身份证号 " + strings.Join(strings.Split(withheldID, ""), " ")
			},
			reason: "数字被拆开"},
		{name: "another person's mobile number", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) { p.Note = "举报人电话13912345678" }, reason: "未遮蔽的身份证号码或电话号码"},
		{name: "the street in the address", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) { p.Text.Address = "鼓楼区 五四路 128号" }, reason: "住址"},
		{name: "the street the rules' text keeps", kind: casework.PartyIndividual, facts: "在五四路128号门店销售过期食品。"},
		{name: "an organisation's address", kind: casework.PartyOrganisation, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) { p.Text.Address = withheldAddress }},
		{name: "content other than the finalized version", kind: casework.PartyIndividual, facts: "销售过期食品。",
			edit: func(p *casework.PublicityPublished) { p.DocHash = evidence.Sum([]byte("an edited copy")) }, reason: "不一致"},
	}
	ids := map[string]string{}
	for i, c := range cases {
		doc := withheldFine(t, i+1, c.kind, c.facts)
		p, _, err := casework.PublicationOf(cfg.Templates["penalty_decision"], doc.DocumentContent, time.Now(), casework.Calendar{})
		if err != nil {
			t.Fatal(err)
		}
		p.Publication = fmt.Sprintf("p-00000000%04d", i+1)
		if c.edit != nil {
			c.edit(&p)
		}
		rogue.sendSigned(t, h, doc, &p)
		ids[c.name] = p.Publication
	}
	// A publication of a document the hub does not hold: the generic
	// patterns only.
	unknown := withheldFine(t, 99, casework.PartyIndividual, "")
	p, _, _ := casework.PublicationOf(cfg.Templates["penalty_decision"], unknown.DocumentContent, time.Now(), casework.Calendar{})
	p.Publication, p.Text.Facts = "p-000000000099", "身份证号"+withheldID
	rogue.sendSigned(t, h, &p)
	cases = append(cases, struct {
		name   string
		kind   casework.PartyKind
		facts  string
		edit   func(p *casework.PublicityPublished)
		reason string
	}{name: "an ID-card number, the document unknown", reason: "未遮蔽的身份证号码或电话号码"})
	ids["an ID-card number, the document unknown"] = p.Publication

	check := func(when string) {
		t.Helper()
		withheld, err := h.WithheldPublications(ctx, Scope{})
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, w := range withheld {
			reasons[w.Publication] = w.Reason
		}
		published := 0
		for _, c := range cases {
			d, err := h.PublicDecision(ctx, ids[c.name])
			switch {
			case c.reason == "" && (err != nil || reasons[ids[c.name]] != ""):
				t.Errorf("%s, %s: not published: %v %q", when, c.name, err, reasons[ids[c.name]])
			case c.reason != "" && (err == nil || !strings.Contains(reasons[ids[c.name]], c.reason)):
				t.Errorf("%s, %s: published as %+v, withheld for %q", when, c.name, d.Text, reasons[ids[c.name]])
			case c.reason == "":
				published++
			}
		}
		page, err := h.PublicDecisions(ctx, DecisionQuery{})
		if err != nil || page.Total != published || len(page.Items) != published {
			t.Errorf("%s: the list holds %d of %d, %d published: %v", when, len(page.Items), page.Total, published, err)
		}
		for _, item := range page.Items {
			if reasons[item.Publication] != "" {
				t.Errorf("%s: the list shows the withheld %s", when, item.Publication)
			}
		}
	}
	check("applied")
	if r, err := h.Check(ctx); err != nil || !r.OK() {
		t.Fatalf("check: %v %+v", err, r.Problems)
	}
	if _, err := h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")

	// Withdrawn on the terminal: listed withdrawn, still not public.
	rogue.sendSigned(t, h, &casework.PublicityWithdrawn{Publication: ids["the full name"], Code: casework.WithdrawOther, Reason: "文本未遮蔽"})
	withheld, err := h.WithheldPublications(ctx, Scope{Agency: "某区市场监督管理局"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range withheld {
		if (w.Publication == ids["the full name"]) != w.Withdrawn {
			t.Errorf("withdrawn: %+v", w)
		}
	}
	if others, err := h.WithheldPublications(ctx, Scope{Agency: "另一机关"}); err != nil || len(others) != 0 {
		t.Errorf("another agency's scope: %+v %v", others, err)
	}
	if r, err := h.Check(ctx); err != nil || !r.OK() {
		t.Fatalf("check after the withdrawal: %v %+v", err, r.Problems)
	}
}
