package casework

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// A payload has one spelling (docs/EVENTS.md, byte rule 10). Go's decoder
// alone accepts names in another case, a repeated name (keeping the last),
// escapes of plain characters and any field order, so each of these was
// read as a valid case.opened before the canonical check; another
// implementation could read some of them differently.
func TestDecodeRefusesOtherSpellingsOfAPayload(t *testing.T) {
	raw, err := json.Marshal(&CaseOpened{Case: "c-1", Number: "某市监罚〔2026〕12号", Title: "无证经营 a/b", ActType: ActPenalty, Agency: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	good := string(raw)
	if _, err := Decode(TypeCaseOpened, raw); err != nil {
		t.Fatalf("the canonical payload is refused: %v", err)
	}
	variants := map[string][2]string{
		"name in another case":  {`{"case":`, `{"Case":`},
		"repeated name":         {`{"case":"c-1",`, `{"case":"c-2","case":"c-1",`},
		"escaped plain letter":  {`"case":"c-1"`, `"case":"\u0063-1"`},
		"escaped slash":         {`a/b`, `a\/b`},
		"escaped Chinese":       {`无证`, `\u65e0证`},
		"reordered fields":      {`"act_type":"penalty","agency":"a1"`, `"agency":"a1","act_type":"penalty"`},
		"not UTF-8":             {`无证经营`, "\xff\xfe"},
		"whitespace":            {`"case":"c-1"`, `"case": "c-1"`},
		"trailing data":         {`"agency":"a1"}`, `"agency":"a1"} {}`},
		"uppercase hex escape":  {`a/b`, `a\u002Fb`},
		"escaped control alias": {`a/b`, `a\u0009b`},
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, v[0], v[1], 1)
			if bad == good {
				t.Fatalf("%q is not in %s", v[0], good)
			}
			_, err := Decode(TypeCaseOpened, json.RawMessage(bad))
			if err == nil {
				t.Fatalf("accepted %s", bad)
			}
			if name != "trailing data" && !errors.Is(err, ErrPayloadNotCanonical) {
				t.Fatalf("refused for another reason: %v", err)
			}
		})
	}
}
