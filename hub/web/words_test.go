package web

import (
	"testing"
	"unicode"

	"lawtrail/casework"
	"lawtrail/hub"
)

// han reports whether s is Chinese words (no code left untranslated).
func han(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

// Every code casework defines has its word on the public pages: act types,
// party kinds, penalty kinds (the annual report's outcomes), withdrawal
// reasons, the report's other outcomes, the published lists' kinds and the
// credential states.
func TestEveryCodeHasAWord(t *testing.T) {
	check := func(code, w string) {
		t.Helper()
		if !han(w) {
			t.Errorf("%s: word %q", code, w)
		}
	}
	for _, a := range casework.ActTypes {
		check(string(a), actWord(a))
	}
	for _, k := range casework.PartyKinds {
		check(string(k), partyWord(k))
	}
	for _, k := range casework.PenaltyKinds {
		check(string(k), outcomeWord(string(k)))
	}
	for _, c := range casework.WithdrawCodes {
		check(string(c), withdrawWord(c))
	}
	for _, o := range []string{outcomeOpened, outcomeNoPenalty, outcomeTransfer, outcomeOther} {
		check(o, outcomeWord(o))
	}
	for _, k := range []casework.ConfigKind{casework.ConfigAVMatters, casework.ConfigMajorList} {
		check(string(k), listWord(k))
	}
	for _, s := range []hub.CardStatus{hub.CardValid, hub.CardExpired, hub.CardRevoked, hub.CardNoCredential} {
		check(string(s), cardWord(s))
	}
	if got := withdrawWord("future_code"); got != "future_code" {
		t.Errorf("an unknown code is shown as %q, want the code itself", got)
	}
}
