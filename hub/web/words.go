package web

import (
	"lawtrail/casework"
	"lawtrail/hub"
)

// The words the public pages and the annual report use for coded values.
// Act types, party kinds and penalty kinds take casework's Chinese names
// (the same the terminal's ledger and screens show); the codes casework
// leaves unnamed are named here. A test walks every code casework defines.

var withdrawWords = map[casework.WithdrawCode]string{
	casework.WithdrawRevoked:           "撤销",
	casework.WithdrawConfirmedUnlawful: "确认违法",
	casework.WithdrawRedo:              "责令重做",
	casework.WithdrawOther:             "其他",
}

// Outcomes of the annual report that are no penalty kind (hub.AnnualRow).
const (
	outcomeOpened    = "opened"
	outcomeNoPenalty = "no_penalty"
	outcomeTransfer  = "transfer"
	outcomeOther     = "other"
)

var outcomeWords = map[string]string{
	outcomeOpened:    "立案",
	outcomeNoPenalty: "不予处罚",
	outcomeTransfer:  "移送司法机关",
	outcomeOther:     "其他决定",
}

var configWords = map[casework.ConfigKind]string{
	casework.ConfigAVMatters: "音像记录事项清单",
	casework.ConfigMajorList: "重大执法决定法制审核目录",
}

// actWord is the Chinese name of an act type, e.g. 行政处罚.
func actWord(a casework.ActType) string { return a.Label() }

// partyWord is the Chinese name of a party kind, e.g. 自然人.
func partyWord(k casework.PartyKind) string { return k.Label() }

// withdrawWord is the reason of a withdrawal in words, e.g. 撤销.
func withdrawWord(c casework.WithdrawCode) string { return word(withdrawWords, c) }

// outcomeWord is an annual report's outcome in words: a penalty kind's
// name (罚款), or 立案, 不予处罚, 移送司法机关, 其他决定.
func outcomeWord(outcome string) string {
	if w, ok := outcomeWords[outcome]; ok {
		return w
	}
	return casework.PenaltyKind(outcome).Label()
}

// listWord is the Chinese name of a published list's kind.
func listWord(k casework.ConfigKind) string { return word(configWords, k) }

// cardWord is an officer's credential status in words, e.g. 有效.
func cardWord(s hub.CardStatus) string {
	if w, ok := statusText[s]; ok {
		return w[0]
	}
	return string(s)
}

// word is the name of code, or the code itself when it has none (a value
// of a later version is shown as it is, never hidden).
func word[K ~string](words map[K]string, code K) string {
	if w, ok := words[code]; ok {
		return w
	}
	return string(code)
}
