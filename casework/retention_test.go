package casework

import (
	"strings"
	"testing"
	"time"

	"lawtrail/assets"
	"lawtrail/evidence"
)

const retentionJSON = `{"version":1,"name":"保存期限","unlinked_footage_months":6,"linked_footage":"with_case_record",
"case_files":"with_case_record","terminal":{"free_after_days":30,"min_free_mib":2048}}`

func TestParseRetentionBundled(t *testing.T) {
	p, err := ParseRetention(assets.Retention)
	if err != nil {
		t.Fatal(err)
	}
	if p.UnlinkedFootageMonths != 6 || p.LinkedFootage != KeptWithCase || p.CaseFiles != KeptWithCase || p.Terminal.FreeAfterDays != 30 {
		t.Fatalf("bundled policy: %+v", p)
	}
	rec := time.Date(2026, 1, 31, 10, 0, 0, 0, Shanghai)
	if got := p.ExpiresAt(rec); !got.Equal(time.Date(2026, 7, 31, 10, 0, 0, 0, Shanghai)) {
		t.Fatalf("expires %s", got)
	}
}

// TestParseRetentionStrict: the parser refuses what is not exactly a policy
// within bounds — the rules' 6-month floor, unknown fields, other periods
// for linked footage, data after the object, hostile text.
func TestParseRetentionStrict(t *testing.T) {
	bad := map[string]string{
		"below the floor":   strings.Replace(retentionJSON, `"unlinked_footage_months":6`, `"unlinked_footage_months":5`, 1),
		"huge months":       strings.Replace(retentionJSON, `"unlinked_footage_months":6`, `"unlinked_footage_months":99999999999`, 1),
		"months as text":    strings.Replace(retentionJSON, `"unlinked_footage_months":6`, `"unlinked_footage_months":"6"`, 1),
		"unknown field":     strings.Replace(retentionJSON, `"version":1`, `"version":1,"delete_everything":true`, 1),
		"linked shortened":  strings.Replace(retentionJSON, `"linked_footage":"with_case_record"`, `"linked_footage":"6_months"`, 1),
		"no case files":     strings.Replace(retentionJSON, `"case_files":"with_case_record",`, ``, 1),
		"free after zero":   strings.Replace(retentionJSON, `"free_after_days":30`, `"free_after_days":0`, 1),
		"negative min free": strings.Replace(retentionJSON, `"min_free_mib":2048`, `"min_free_mib":-1`, 1),
		"no version":        strings.Replace(retentionJSON, `"version":1,`, ``, 1),
		"trailing data":     retentionJSON + `{}`,
		"a list":            `[` + retentionJSON + `]`,
		"empty":             ``,
		"name script":       strings.Replace(retentionJSON, `"保存期限"`, `"`+strings.Repeat("<script>alert(1)</script>", 20)+`"`, 1),
	}
	for name, raw := range bad {
		if p, err := ParseRetention([]byte(raw)); err == nil {
			t.Errorf("%s: accepted %+v", name, p)
		}
		if err := (ConfigPublished{Kind: ConfigRetention, Version: 2, Content: []byte(raw)}).Validate(); err == nil {
			t.Errorf("%s: published version accepted", name)
		}
	}
	if _, err := ParseRetention([]byte(retentionJSON)); err != nil {
		t.Fatal(err)
	}
}

func TestOverlayRetention(t *testing.T) {
	longer := strings.Replace(retentionJSON, `"unlinked_footage_months":6`, `"unlinked_footage_months":12`, 1)
	cfg, err := Overlay(&Config{}, []Published{{Kind: ConfigRetention, Version: 3, Content: []byte(longer)}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Retention == nil || cfg.Retention.UnlinkedFootageMonths != 12 || cfg.Versions[ConfigRetention] != 3 {
		t.Fatalf("overlay: %+v", cfg.Retention)
	}
}

// TestRetentionPayloads: holds need a reason of bounded size; a freeing
// names one of the causes. Decode is strict, as for every type.
func TestRetentionPayloads(t *testing.T) {
	d := evidence.Digest{1}
	cases := []struct {
		name string
		p    Payload
		ok   bool
	}{
		{"hold", FootageHeld{Hold: "h-1", Digest: d, Reason: "诉讼保全"}, true},
		{"hold without reason", FootageHeld{Hold: "h-1", Digest: d, Reason: "  "}, false},
		{"hold 10 KB reason", FootageHeld{Hold: "h-1", Digest: d, Reason: strings.Repeat("理", 10<<10)}, false},
		{"hold without digest", FootageHeld{Hold: "h-1", Reason: "x"}, false},
		{"hold NUL", FootageHeld{Hold: "h-1", Digest: d, Reason: "a\x00b"}, false},
		{"release", FootageReleased{Hold: "h-1", Digest: d, Reason: "结案"}, true},
		{"release without hold", FootageReleased{Digest: d, Reason: "结案"}, false},
		{"freed", FootageFreed{Digest: d, Cause: FreeAfterPeriod}, true},
		{"freed low space", FootageFreed{Digest: d, Cause: FreeLowSpace}, true},
		{"freed unknown cause", FootageFreed{Digest: d, Cause: "because"}, false},
	}
	for _, c := range cases {
		if err := c.p.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate = %v", c.name, err)
		}
	}
	if _, err := Decode(TypeFootageFreed, []byte(`{"digest":"`+d.String()+`","cause":"after_period","extra":1}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
	if _, err := Decode(TypeFootageFreed, []byte(`{"digest":"`+d.String()+`","cause":"after_period"}`)); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseRetention(f *testing.F) {
	f.Add([]byte(retentionJSON))
	f.Add(assets.Retention)
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := ParseRetention(raw)
		if err == nil && (p == nil || p.UnlinkedFootageMonths < MinUnlinkedMonths) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
