package casework

import (
	"encoding/json"
	"strings"
	"testing"

	"lawtrail/assets"
)

func shippedMajorList(t testing.TB) *MajorList {
	t.Helper()
	l, err := ParseMajorList(assets.MajorDecisions)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// L4: the shipped list is marked as an example, and judges decisions by
// its criteria: thresholds per party kind counted exactly (at the
// threshold is major, a fen below is not), licence revocation, a hearing
// held, a transfer as a suspected crime, flags.
func TestL4ShippedListJudgesDecisions(t *testing.T) {
	l := shippedMajorList(t)
	if !l.Example || !strings.Contains(l.Source, "示例") || l.Review.Days != 5 {
		t.Fatalf("the shipped list is not marked as an example with a 5-day review: %+v", l)
	}
	cases := []struct {
		decision string
		want     []string
	}{
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":100000}]}`, []string{"fine-organisation"}},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":99999.99}]}`, nil},
		{`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"fine","amount_yuan":10000}]}`, []string{"fine-individual"}},
		{`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"fine","amount_yuan":9999}]}`, nil},
		{`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"warning"},{"kind":"revoke_licence","object":"食品经营许可证"}]}`, []string{"revoke-licence"}},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":5000}],"hearing":"held"}`, []string{"hearing-held"}},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":5000}],"hearing":"requested"}`, nil},
		{`{"act":"coercion","party_kind":"organisation","crime_transfer":true}`, []string{"crime-transfer"}},
		{`{"act":"licensing","party_kind":"organisation","flags":["complex","social_impact"]}`, []string{"social-impact", "complex"}},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":300000},{"kind":"suspend_business"}]}`, []string{"fine-organisation", "suspend-business"}},
	}
	for _, c := range cases {
		d, err := ParseDecision([]byte(c.decision))
		if err != nil {
			t.Fatalf("%s: %v", c.decision, err)
		}
		major, matched := l.Evaluate(d)
		got := CriterionIDs(matched)
		if major != (len(c.want) > 0) || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: major %v by %v, want %v", c.decision, major, got, c.want)
		}
	}
}

// Outside input: a decision typed into a file or a form is read strictly
// and refused in words — never half-read.
func TestDecisionRefusals(t *testing.T) {
	for _, c := range []struct{ raw, says string }{
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":2e5}]}`, "amount"},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":-5}]}`, "amount"},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":1.234}]}`, "amount"},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine"}]}`, "amount"},
		{`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"warning","amount_yuan":5}]}`, "no amount"},
		{`{"act":"penalty","party_kind":"company"}`, "party_kind"},
		{`{"act":"bribe","party_kind":"individual"}`, "act"},
		{`{"act":"licensing","party_kind":"individual","penalties":[{"kind":"warning"}]}`, "penalties belong"},
		{`{"act":"penalty","party_kind":"individual","fine":5}`, "unknown field"},
		{`{"act":"penalty","party_kind":"individual","flags":["complex","complex"]}`, "twice"},
		{`{"act":"penalty","party_kind":"individual","hearing":"maybe"}`, "hearing"},
		{`{"act":"penalty","party_kind":"individual"} {}`, "after"},
		{`[]`, "decision"},
	} {
		_, err := ParseDecision([]byte(c.raw))
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error saying %q", c.raw, err, c.says)
		}
	}
}

// A list an agency publishes is refused when a criterion would match
// everything, names an unknown kind, or puts a threshold on a penalty with
// no amount.
func TestMajorListRefusals(t *testing.T) {
	base := `{"version":1,"name":"x","example":false,"review":{"days":5,"extension_days":0,"head_approval":false},"criteria":[%s]}`
	for _, c := range []struct{ criterion, says string }{
		{`{"id":"all","label":"全部"}`, "no condition"},
		{`{"id":"x","label":"x","penalty":"flogging"}`, "unknown penalty"},
		{`{"id":"x","label":"x","penalty":"warning","at_least_yuan":5}`, "amount"},
		{`{"id":"x","label":"x","penalty":"fine","at_least_yuan":"lots"}`, "invalid"},
		{`{"id":"x","label":"","penalty":"fine"}`, "label"},
		{`{"id":"x","label":"x","flag":"vip"}`, "unknown flag"},
		{`{"id":"x","label":"x","crime_transfer":true},{"id":"x","label":"y","hearing":"held"}`, "twice"},
	} {
		_, err := ParseMajorList([]byte(strings.Replace(base, "%s", c.criterion, 1)))
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error saying %q", c.criterion, err, c.says)
		}
	}
	if _, err := ParseMajorList([]byte(strings.Replace(strings.Replace(base, "%s", `{"id":"x","label":"x","crime_transfer":true}`, 1), `"days":5`, `"days":0`, 1))); err == nil {
		t.Error("a review time limit of 0 days accepted")
	}
}

// FuzzParseDecision: any bytes are a decision that validates and encodes
// to bytes that read back as the same decision, or an error.
func FuzzParseDecision(f *testing.F) {
	f.Add([]byte(`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":200000}]}`))
	f.Add([]byte(`{"act":"coercion","party_kind":"individual","crime_transfer":true,"flags":["complex"],"summary":"x"}`))
	f.Add([]byte(`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"revoke_licence","object":"证"}],"hearing":"held"}`))
	l := shippedMajorList(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := ParseDecision(raw)
		if err != nil {
			return
		}
		again, err := ParseDecision(d.Canonical())
		if err != nil || !again.Equal(d) {
			t.Fatalf("%s: canonical form %s reads back as %v (%v)", raw, d.Canonical(), again, err)
		}
		l.Evaluate(d) // must not panic
		var back map[string]json.RawMessage
		if json.Unmarshal(d.Canonical(), &back) != nil {
			t.Fatalf("canonical form is not a JSON object: %s", d.Canonical())
		}
	})
}

// FuzzParseMajorList: any bytes are a list or an error, never a panic.
func FuzzParseMajorList(f *testing.F) {
	f.Add(assets.MajorDecisions)
	f.Fuzz(func(t *testing.T, raw []byte) {
		l, err := ParseMajorList(raw)
		if err == nil && len(l.Criteria) == 0 {
			t.Fatal("a list without criteria accepted")
		}
	})
}
