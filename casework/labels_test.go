package casework

import (
	"encoding/json"
	"testing"
	"unicode"

	"lawtrail/assets"
)

func isChinese(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

// Every coded value has a Chinese name, and the app's zh-CN translations
// show the same names: a ledger and the screen never call one act two names.
func TestEveryCodeHasAChineseLabel(t *testing.T) {
	raw, err := assets.Translations.ReadFile("translations/zh-CN.json")
	if err != nil {
		t.Fatal(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(raw, &zh); err != nil {
		t.Fatal(err)
	}
	check := func(code, name, key string) {
		t.Helper()
		if !isChinese(name) {
			t.Errorf("%s: label %q is not Chinese", code, name)
		}
		if key != "" && zh[key] != name {
			t.Errorf("%s: zh-CN.json %s is %q, the label is %q", code, key, zh[key], name)
		}
	}
	for _, a := range ActTypes {
		check(string(a), a.Label(), "act."+string(a))
	}
	for _, p := range Phases {
		check(string(p), p.Label(), "phase."+string(p))
	}
	for k := range stepPhase {
		check(string(k), k.Label(), "step."+string(k))
	}
	for _, r := range Roles {
		check(string(r), r.Label(), "")
	}
	for _, r := range []Requirement{AVMandatory, AVSuggested, AVNone} {
		check(string(r), r.Label(), "")
	}
	if got := ActType("future_act").Label(); got != "future_act" {
		t.Errorf("an unknown code is shown as %q, want the code itself", got)
	}
}
