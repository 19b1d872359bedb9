package casework

import (
	"context"
	"errors"
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

// retentionState is memState with footage, holds, freed copies, the cases
// linking each file and (when receipts is set) the hub's receipts.
type retentionState struct {
	*memState
	footage  map[evidence.Digest]bool
	holds    map[string]HoldRecord
	freed    map[evidence.Digest]bool
	open     map[evidence.Digest][]string
	receipts map[evidence.Digest]bool
	linking  map[evidence.Digest][]string // any case, open or closed
	deleted  map[evidence.Digest]bool
	recorded map[evidence.Digest]time.Time
}

func (s *retentionState) CasesLinking(_ context.Context, d evidence.Digest) ([]string, error) {
	return s.linking[d], nil
}
func (s *retentionState) Deleted(_ context.Context, d evidence.Digest) (bool, error) {
	return s.deleted[d], nil
}
func (s *retentionState) FootageRecorded(_ context.Context, d evidence.Digest) (time.Time, error) {
	return s.recorded[d], nil
}

func (s *retentionState) FootageExists(_ context.Context, d string) (bool, error) {
	for k := range s.footage {
		if k.String() == d {
			return true, nil
		}
	}
	return false, nil
}
func (s *retentionState) Hold(_ context.Context, id string) (HoldRecord, bool, error) {
	h, ok := s.holds[id]
	return h, ok, nil
}
func (s *retentionState) HoldsInForce(_ context.Context, d evidence.Digest) ([]string, error) {
	var out []string
	for id, h := range s.holds {
		if h.Digest == d && !h.Released {
			out = append(out, id)
		}
	}
	return out, nil
}
func (s *retentionState) OpenCasesLinking(_ context.Context, d evidence.Digest) ([]string, error) {
	return s.open[d], nil
}
func (s *retentionState) FreedHere(_ context.Context, d evidence.Digest) (bool, error) {
	return s.freed[d], nil
}

// withReceipts is the state of an append: it also answers for receipts.
type withReceipts struct{ *retentionState }

func (s withReceipts) HubReceipt(_ context.Context, d evidence.Digest) (bool, error) {
	return s.receipts[d], nil
}

// R6 retention rules: a hold and its release are an admin's or head's own
// act (co-signed), on footage the record knows, naming a hold that exists,
// is in force and is on that file; freeing refuses held footage, footage
// an open case links, footage freed already, and — where receipts are
// known, at append — footage the hub holds no receipt for.
func TestRetentionRules(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)
	clip, linked, held, late, gone, unknown := evidence.Sum([]byte("clip")), evidence.Sum([]byte("linked")), evidence.Sum([]byte("held")),
		evidence.Sum([]byte("late")), evidence.Sum([]byte("gone")), evidence.Sum([]byte("unknown"))
	st := &retentionState{
		memState: &memState{officers: map[string]Officer{
			"o1": {ID: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleAdmin}},
			"o2": {ID: "o2", Name: "李四", Agency: "a", Roles: []Role{RoleOfficer}, CredentialNo: "2"},
			"o3": {ID: "o3", Name: "王五", Agency: "a", Roles: []Role{RoleHead}},
			"o4": {ID: "o4", Name: "赵六", Agency: "a", Roles: []Role{RoleClerk}},
		}},
		footage:  map[evidence.Digest]bool{clip: true, linked: true, held: true, late: true, gone: true},
		holds:    map[string]HoldRecord{"h-1": {ID: "h-1", Digest: held}, "h-2": {ID: "h-2", Digest: clip, Released: true}},
		freed:    map[evidence.Digest]bool{gone: true},
		open:     map[evidence.Digest][]string{linked: {"c-1"}},
		receipts: map[evidence.Digest]bool{clip: true, linked: true, held: true, gone: true},
	}
	act := func(actor string, p Payload, cosigners ...string) Act {
		return Act{Actor: actor, At: now, CoSigners: cosigners, Payload: p}
	}
	freed := func(d evidence.Digest) *FootageFreed { return &FootageFreed{Digest: d, Cause: FreeAfterPeriod} }
	cases := []struct {
		name string
		st   State
		a    Act
		want error // nil: allowed
	}{
		{"admin holds", st, act("o1", &FootageHeld{Hold: "h-3", Digest: clip, Reason: "保全"}, "o1"), nil},
		{"head holds", st, act("o3", &FootageHeld{Hold: "h-3", Digest: clip, Reason: "保全"}, "o3"), nil},
		{"officer holds", st, act("o2", &FootageHeld{Hold: "h-3", Digest: clip, Reason: "保全"}, "o2"), ErrRole},
		{"hold not co-signed", st, act("o1", &FootageHeld{Hold: "h-3", Digest: clip, Reason: "保全"}), ErrNotCoSigned},
		{"hold on unknown footage", st, act("o1", &FootageHeld{Hold: "h-3", Digest: unknown, Reason: "保全"}, "o1"), ErrRule},
		{"hold id reused", st, act("o1", &FootageHeld{Hold: "h-2", Digest: clip, Reason: "保全"}, "o1"), ErrRule},
		{"release", st, act("o3", &FootageReleased{Hold: "h-1", Digest: held, Reason: "结案"}, "o3"), nil},
		{"release by a clerk", st, act("o4", &FootageReleased{Hold: "h-1", Digest: held, Reason: "结案"}, "o4"), ErrRole},
		{"release not co-signed", st, act("o3", &FootageReleased{Hold: "h-1", Digest: held, Reason: "结案"}), ErrNotCoSigned},
		{"release of no hold", st, act("o3", &FootageReleased{Hold: "h-9", Digest: held, Reason: "结案"}, "o3"), ErrRule},
		{"release twice", st, act("o3", &FootageReleased{Hold: "h-2", Digest: clip, Reason: "结案"}, "o3"), ErrRule},
		{"release on another file", st, act("o3", &FootageReleased{Hold: "h-1", Digest: clip, Reason: "结案"}, "o3"), ErrRule},
		{"free", withReceipts{st}, act("o4", freed(clip)), nil},
		{"free held", withReceipts{st}, act("o4", freed(held)), ErrHeld},
		{"free linked to an open case", withReceipts{st}, act("o4", freed(linked)), ErrRule},
		{"free twice", withReceipts{st}, act("o4", freed(gone)), ErrRule},
		{"free unknown footage", withReceipts{st}, act("o4", freed(unknown)), ErrRule},
		{"free without a receipt", withReceipts{st}, act("o4", freed(late)), ErrRule},
		{"replayed elsewhere, receipts not known", st, act("o4", freed(late)), nil},
	}
	for _, c := range cases {
		err := CheckRules(ctx, c.st, c.a)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if err := CheckRules(ctx, st.memState, act("o1", &FootageHeld{Hold: "h-3", Digest: clip, Reason: "保全"}, "o1")); !errors.Is(err, ErrRule) {
		t.Errorf("a record that cannot judge retention: %v", err)
	}
}

// Deletion from the agency's record (footage.deleted): an admin's or head's
// own act (co-signed); refused for footage under a hold in force (ErrHeld),
// linked by any case (open or closed: kept with the case record), deleted
// already, unknown; deleted as expired only once the policy in force —
// whose version the event names — says its period has ended at the act's
// time; an ordered deletion needs no expiry. Payloads are bounded and
// strict.
func TestDeletionRules(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)
	pol, err := ParseRetention([]byte(retentionJSON))
	if err != nil {
		t.Fatal(err)
	}
	old, young, held, linked, closed, gone, unknown := evidence.Sum([]byte("old")), evidence.Sum([]byte("young")),
		evidence.Sum([]byte("held")), evidence.Sum([]byte("linked")), evidence.Sum([]byte("closed")), evidence.Sum([]byte("gone")),
		evidence.Sum([]byte("unknown"))
	long := now.AddDate(0, -7, 0)
	st := &retentionState{
		memState: &memState{officers: map[string]Officer{
			"o1": {ID: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleAdmin}},
			"o2": {ID: "o2", Name: "李四", Agency: "a", Roles: []Role{RoleOfficer}, CredentialNo: "2"},
			"o3": {ID: "o3", Name: "王五", Agency: "a", Roles: []Role{RoleHead}},
			"o4": {ID: "o4", Name: "赵六", Agency: "a", Roles: []Role{RoleClerk}},
		}, config: &Config{Retention: pol}},
		footage:  map[evidence.Digest]bool{old: true, young: true, held: true, linked: true, closed: true, gone: true},
		holds:    map[string]HoldRecord{"h-1": {ID: "h-1", Digest: held}, "h-2": {ID: "h-2", Digest: old, Released: true}},
		linking:  map[evidence.Digest][]string{linked: {"c-1"}, closed: {"c-2"}},
		open:     map[evidence.Digest][]string{linked: {"c-1"}},
		deleted:  map[evidence.Digest]bool{gone: true},
		recorded: map[evidence.Digest]time.Time{old: long, young: now.AddDate(0, -5, 0), held: long, linked: long, closed: long, gone: long},
	}
	const basis = "《公安机关现场执法视音频记录工作规定》第十五条"
	expired := func(d evidence.Digest) *FootageDeleted {
		return &FootageDeleted{Digest: d, Reason: DeleteExpired, PolicyVersion: 1, Authority: basis}
	}
	act := func(actor string, p Payload, cosigners ...string) Act {
		return Act{Actor: actor, At: now, CoSigners: cosigners, Payload: p}
	}
	noPolicy := &retentionState{memState: &memState{officers: st.officers}, footage: st.footage, recorded: st.recorded}
	cases := []struct {
		name string
		st   State
		a    Act
		want error // nil: allowed
	}{
		{"admin deletes expired", st, act("o1", expired(old), "o1"), nil},
		{"head deletes expired", st, act("o3", expired(old), "o3"), nil},
		{"officer deletes", st, act("o2", expired(old), "o2"), ErrRole},
		{"clerk deletes", st, act("o4", expired(old), "o4"), ErrRole},
		{"not co-signed", st, act("o1", expired(old)), ErrNotCoSigned},
		{"co-signed by another", st, act("o1", expired(old), "o3"), ErrNotCoSigned},
		{"held", st, act("o1", expired(held), "o1"), ErrHeld},
		{"linked to an open case", st, act("o1", expired(linked), "o1"), ErrRule},
		{"linked to a closed case", st, act("o1", expired(closed), "o1"), ErrRule},
		{"not expired", st, act("o1", expired(young), "o1"), ErrRule},
		{"deleted already", st, act("o1", expired(gone), "o1"), ErrRule},
		{"unknown footage", st, act("o1", expired(unknown), "o1"), ErrRule},
		{"another policy version", st, act("o1", &FootageDeleted{Digest: old, Reason: DeleteExpired, PolicyVersion: 2, Authority: basis}, "o1"), ErrRule},
		{"no policy known", noPolicy, act("o1", expired(old), "o1"), ErrRule},
		{"ordered, not expired", st, act("o3", &FootageDeleted{Digest: young, Reason: DeleteOrdered, Order: "某公安局〔2026〕1号", Authority: basis}, "o3"), nil},
		{"ordered but held", st, act("o3", &FootageDeleted{Digest: held, Reason: DeleteOrdered, Order: "某公安局〔2026〕1号", Authority: basis}, "o3"), ErrHeld},
	}
	for _, c := range cases {
		err := CheckRules(ctx, c.st, c.a)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Exactly at the end of the period the file may go.
	at := act("o1", expired(young), "o1")
	at.At = pol.ExpiresAt(st.recorded[young])
	if err := CheckRules(ctx, st, at); err != nil {
		t.Errorf("at the end of the period: %v", err)
	}
	at.At = at.At.Add(-time.Nanosecond)
	if err := CheckRules(ctx, st, at); !errors.Is(err, ErrRule) {
		t.Errorf("a nanosecond before the end: %v", err)
	}
}

func TestDeletionPayload(t *testing.T) {
	d := evidence.Digest{1}
	const basis = "第十五条"
	cases := []struct {
		name string
		p    FootageDeleted
		ok   bool
	}{
		{"expired", FootageDeleted{Digest: d, Reason: DeleteExpired, PolicyVersion: 1, Authority: basis}, true},
		{"expired without policy", FootageDeleted{Digest: d, Reason: DeleteExpired, Authority: basis}, false},
		{"ordered", FootageDeleted{Digest: d, Reason: DeleteOrdered, Order: "令1号", Authority: basis, Note: "备注"}, true},
		{"ordered without order", FootageDeleted{Digest: d, Reason: DeleteOrdered, Authority: basis}, false},
		{"order too long", FootageDeleted{Digest: d, Reason: DeleteOrdered, Order: strings.Repeat("令", 201), Authority: basis}, false},
		{"no authority", FootageDeleted{Digest: d, Reason: DeleteExpired, PolicyVersion: 1, Authority: "  "}, false},
		{"authority too long", FootageDeleted{Digest: d, Reason: DeleteExpired, PolicyVersion: 1, Authority: strings.Repeat("法", 201)}, false},
		{"note 10 KB", FootageDeleted{Digest: d, Reason: DeleteExpired, PolicyVersion: 1, Authority: basis, Note: strings.Repeat("x", 10<<10)}, false},
		{"NUL", FootageDeleted{Digest: d, Reason: DeleteExpired, PolicyVersion: 1, Authority: "a\x00b"}, false},
		{"unknown reason", FootageDeleted{Digest: d, Reason: "because", Authority: basis}, false},
		{"no digest", FootageDeleted{Reason: DeleteExpired, PolicyVersion: 1, Authority: basis}, false},
	}
	for _, c := range cases {
		if err := c.p.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate = %v", c.name, err)
		}
	}
	raw := `{"digest":"` + d.String() + `","reason":"expired","policy_version":1,"authority":"第十五条"}`
	if _, err := Decode(TypeFootageDeleted, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	reordered := `{"reason":"expired","digest":"` + d.String() + `","policy_version":1,"authority":"第十五条"}`
	if _, err := Decode(TypeFootageDeleted, []byte(reordered)); err == nil {
		t.Fatal("a reordered payload accepted")
	}
	bundled, err := ParseRetention(assets.Retention)
	if err != nil || bundled.Authority == "" || bundled.DeletionAuthority() != bundled.Authority {
		t.Fatalf("bundled authority: %+v %v", bundled, err)
	}
	if (RetentionPolicy{}).DeletionAuthority() != DefaultDeletionAuthority {
		t.Fatal("no authority: the default")
	}
}
