package vectors

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// The vectors file, as generated. Field names are the ones docs/EVENTS.md
// uses; every value a reader needs is given in the form the document names.
type vectorFile struct {
	About      []string          `json:"about"`
	Keys       []keyVector       `json:"keys"`
	Events     []eventVector     `json:"events"`
	Malformed  []malformedVector `json:"malformed"`
	Documents  []documentVector  `json:"documents"`
	SealedKeys []sealedVector    `json:"sealed_keys"`
	Receipts   []receiptVector   `json:"receipts"`
}

type keyVector struct {
	Name         string `json:"name"`
	SeedFrom     string `json:"seed_from"` // the seed is SHA-256 of this UTF-8 text
	SeedHex      string `json:"seed_hex"`
	PrivateHex   string `json:"private_hex"` // seed || public key (64 bytes)
	PublicHex    string `json:"public_hex"`
	PublicBase64 string `json:"public_base64"`
	PublicPEM    string `json:"public_pem"` // SubjectPublicKeyInfo, for openssl
	KeyID        string `json:"key_id"`
}

type sigVector struct {
	Officer string `json:"officer,omitempty"`
	Key     string `json:"key"` // name in keys
	Base64  string `json:"sig_base64"`
	Hex     string `json:"sig_hex"`
}

type eventVector struct {
	Name       string          `json:"name"`
	About      string          `json:"about"`
	Body       string          `json:"body"`
	BodyBase64 string          `json:"body_base64"`
	ID         string          `json:"id"`
	Sig        sigVector       `json:"sig"`
	CoSigs     []sigVector     `json:"cosigs"`
	Event      json.RawMessage `json:"event"` // the evidence.Event JSON (log --json, bundles)
}

type malformedVector struct {
	Name   string `json:"name"`
	Level  string `json:"level"` // "body": ParseBody refuses it; "payload": casework.Decode does
	Reason string `json:"reason"`
	Body   string `json:"body_base64"`
}

type documentVector struct {
	Name        string          `json:"name"`
	Content     json.RawMessage `json:"content"`
	HashedBytes string          `json:"hashed_bytes"`
	ContentHash string          `json:"content_hash"`
}

type sealedVector struct {
	Name            string `json:"name"`
	File            string `json:"file"`
	Passphrase      string `json:"passphrase"`
	PassphraseHex   string `json:"passphrase_hex"`
	WrongPassphrase string `json:"wrong_passphrase"`
	AssociatedHex   string `json:"associated_data_hex"`
	KEKHex          string `json:"kek_hex"`
	SeedHex         string `json:"seed_hex"`
	PublicHex       string `json:"public_hex"`
}

type receiptVector struct {
	Name        string          `json:"name"`
	Receipt     json.RawMessage `json:"receipt"`
	SignedBytes string          `json:"signed_bytes"`
	HubKey      string          `json:"hub_key"` // name in keys
}

// namedKey is a deterministic key: seed = SHA-256(text).
type namedKey struct {
	name, from string
	pair       evidence.KeyPair
}

func newNamedKey(name, from string) namedKey {
	seed := sha256.Sum256([]byte(from))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return namedKey{name: name, from: from, pair: evidence.KeyPair{Public: priv.Public().(ed25519.PublicKey), Private: priv}}
}

func (k namedKey) vector() keyVector {
	der := append(spkiPrefix(), k.pair.Public...)
	return keyVector{
		Name: k.name, SeedFrom: k.from, SeedHex: hex.EncodeToString(k.pair.Private.Seed()),
		PrivateHex: hex.EncodeToString(k.pair.Private), PublicHex: hex.EncodeToString(k.pair.Public),
		PublicBase64: base64.StdEncoding.EncodeToString(k.pair.Public),
		PublicPEM:    string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		KeyID:        k.pair.ID(),
	}
}

// spkiPrefix is the DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410) up to
// the 32 key bytes.
func spkiPrefix() []byte {
	b, _ := hex.DecodeString("302a300506032b6570032100")
	return b
}

var (
	terminalKey = newNamedKey("terminal", "lawtrail test vector: terminal key")
	officerKey  = newNamedKey("officer", "lawtrail test vector: officer key")
	hubKey      = newNamedKey("hub", "lawtrail test vector: hub key")
	footage     = evidence.Sum([]byte("lawtrail test vector: footage bytes"))
	cst         = time.FixedZone("CST", 8*3600)
	agency      = "a5f3c2e1d0b9a"
)

// draft is one event of the vector chain before it is signed.
type draft struct {
	name, about string
	time        time.Time
	actor       string
	payload     casework.Payload
	blobs       []evidence.Digest
	cosign      bool
}

func documentContent() casework.DocumentContent {
	return casework.DocumentContent{
		Doc: "d-1", Case: "c-1", Step: "s-1", Template: "penalty_decision", TemplateVersion: 1, Version: 1,
		Fields: map[string]json.RawMessage{
			"party": json.RawMessage(`"张三"`), "amount": json.RawMessage(`500`),
			"facts": json.RawMessage(`"销售<过期>食品 & 饮料\u2028第二段"`), "items": json.RawMessage(`["酸奶","牛奶"]`),
			"decided": json.RawMessage(`true`),
		},
	}
}

func drafts() []draft {
	content := documentContent()
	hash, err := content.Hash()
	if err != nil {
		panic(err)
	}
	t := terminalKey.pair.ID()
	return append([]draft{
		{name: "terminal-initialized", about: "seq 1: prev is 64 zeros; UTC time is written with Z; no actor; a []byte payload field is standard base64 with padding",
			time:    time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC),
			payload: &casework.TerminalInitialized{Terminal: t, Name: "采集站-1", Agency: agency, PublicKey: terminalKey.pair.Public}},
		{name: "officer-enrolled", about: "co-signed by the new officer's key; Chinese text is raw UTF-8; 500 ms is written .5",
			time: time.Date(2026, 11, 26, 9, 0, 0, 500_000_000, cst), actor: "o-001", cosign: true,
			payload: &casework.OfficerEnrolled{Officer: "o-001", Name: "李明", CredentialNo: "35010012345", Agency: agency,
				Roles: []casework.Role{casework.RoleOfficer, casework.RoleAdmin}, PublicKey: officerKey.pair.Public}},
		{name: "agency-registered", about: "milliseconds; +08:00 zone",
			time: time.Date(2026, 11, 26, 9, 0, 1, 123_000_000, cst), actor: "o-001",
			payload: &casework.AgencyRegistered{Agency: agency, Name: "某市市场监督管理局"}},
		{name: "case-opened", about: "< > & are written \\u003c \\u003e \\u0026, U+2028 and U+2029 as \\u2028 \\u2029, / is not escaped; nine fraction digits",
			time: time.Date(2026, 11, 26, 9, 35, 7, 123_456_789, cst), actor: "o-001",
			payload: &casework.CaseOpened{Case: "c-1", Number: "某市监罚〔2026〕12号", Title: "无证经营<食品>&饮料\u2028第二段\u2029 a/b",
				ActType: casework.ActPenalty, Agency: agency}},
		{name: "step-recorded", about: "control characters: \\b \\f \\n \\r \\t by name, the others as \\u00XX with lowercase hex, DEL raw, \" and \\ escaped; a negative zone offset",
			time: time.Date(2026, 11, 25, 22, 40, 0, 250_000_000, time.FixedZone("", -(3*3600+30*60))), actor: "o-001",
			payload: &casework.StepRecorded{Step: "s-1", Case: "c-1", Kind: casework.StepOnSiteInspection,
				Start: time.Date(2026, 11, 26, 10, 0, 0, 0, cst), End: time.Date(2026, 11, 26, 10, 45, 30, 0, cst),
				Officers: []string{"o-001", "o-002"}, Note: "第一行\n第二行\t制表\r\x00\x01\x1f\x7f\b\f引号\"反斜杠\\"}},
		{name: "footage-ingested", about: "a non-empty blobs list; a name that is not UTF-8 carried as base64; numbers above 2^32; a negative number; omitted empty fields",
			time: time.Date(2026, 11, 26, 11, 2, 3, 0, cst), actor: "o-001", blobs: []evidence.Digest{footage},
			payload: &casework.FootageIngested{Digest: footage, SourceKey: casework.SourceKey{DeviceSerial: "DSJ-A8",
				Path: `DCIM/\xff\xfe_0001.MP4`, PathBytes: []byte("DCIM/\xff\xfe_0001.MP4"), Size: 30_000_000_000,
				ModTime: time.Date(2026, 11, 26, 10, 45, 0, 0, cst)},
				Officer: "350101", Clerk: "o-001", Station: "采集站-1", Profile: "gat947",
				Start: time.Date(2026, 11, 26, 10, 15, 30, 0, cst), End: time.Date(2026, 11, 26, 10, 45, 0, 0, cst),
				Seq: 1, Important: true, ClockOffset: -1_500_000_000, ClockKnown: true}},
		{name: "doc-finalized", about: "co-signed by the officer; the payload carries the content_hash of the documents vector",
			time: time.Date(2026, 11, 26, 12, 0, 0, 0, cst), actor: "o-001", cosign: true,
			payload: &casework.DocFinalized{DocumentContent: content, ContentHash: hash}},
	}, reviewDrafts(hash)...)
}

// decision is the decision of the legal review vectors: amounts are
// numbers kept as written (1999.50 keeps its trailing zero), empty fields
// left out, a penalty object with <>& escaped.
func decision() casework.Decision {
	return casework.Decision{Act: casework.ActPenalty, PartyKind: casework.PartyOrganisation, Penalties: []casework.Penalty{
		{Kind: casework.PenaltyFine, AmountYuan: "200000"},
		{Kind: casework.PenaltyConfiscateIncome, AmountYuan: "1999.50"},
		{Kind: casework.PenaltyRevokeLicence, Object: "食品经营许可证<JY1>&副本"},
	}, Hearing: casework.HearingHeld, CrimeTransfer: true, Flags: []casework.Flag{casework.FlagPublicInterest},
		Summary: "罚款二十万元，没收违法所得，吊销许可证"}
}

// reviewDrafts are one event of each type of legal review (docs/EVENTS.md,
// "Legal review"), each co-signed by its actor as the rules ask. The
// vectors check the encoding; the rules (roles, rounds, recusal) are not
// what they show: every act here is by o-001.
func reviewDrafts(docHash evidence.Digest) []draft {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, cst) }
	const r = "r-1"
	return []draft{
		{name: "case-decision-proposed", about: "a decision object: amount_yuan is a JSON number kept as written (1999.50 is not 1999.5); hearing, crime_transfer, flags and summary set; object escapes <>&",
			time: at(12, 5), actor: "o-001", cosign: true, payload: &casework.DecisionProposed{Case: "c-1", Decision: decision()}},
		{name: "review-submitted", about: "round 1 with the draft fixed by its content hash, material (a document with ref, footage without), major as ids, due as a date; approved_by and note left out",
			time: at(12, 10), actor: "o-001", cosign: true, payload: &casework.ReviewSubmitted{Review: r, Case: "c-1", Round: 1,
				Decision: decision(), Major: []string{"fine-organisation", "revoke-licence", "hearing-held", "crime-transfer", "public-interest"},
				Doc: "d-1", DocHash: &docHash, Material: []casework.Material{{Kind: "document", Ref: "d-1", Digest: docHash},
					{Kind: "footage", Digest: footage}}, Due: "2026-12-03"}},
		{name: "review-assigned", about: "a reviewer named for round 1",
			time: at(12, 15), actor: "o-001", cosign: true, payload: &casework.ReviewAssigned{Review: r, Round: 1, Reviewer: "o-003"}},
		{name: "review-extended", about: "a new due date with its reason",
			time: at(12, 20), actor: "o-001", cosign: true, payload: &casework.ReviewExtended{Review: r, Round: 1, Due: "2026-12-10", Reason: "需补充调取检验报告"}},
		{name: "review-opinion", about: "the seven checklist items in order, a note only where written; outcome problems with problems and changes",
			time: at(12, 25), actor: "o-001", cosign: true, payload: &casework.ReviewOpinion{Review: r, Round: 1, Outcome: casework.OutcomeProblems,
				Checklist: []casework.ChecklistEntry{{Item: casework.CheckSubject, Finding: casework.FindingOK},
					{Item: casework.CheckProcedure, Finding: casework.FindingOK}, {Item: casework.CheckFacts, Finding: casework.FindingOK},
					{Item: casework.CheckBasis, Finding: casework.FindingProblem, Note: "裁量过重，未说明从重理由"},
					{Item: casework.CheckAuthority, Finding: casework.FindingOK}, {Item: casework.CheckDocuments, Finding: casework.FindingOK},
					{Item: casework.CheckCrimeTrans, Finding: casework.FindingNA, Note: "已另行移送"}},
				Problems: "罚款数额与裁量基准不符", Changes: "按基准调整"}},
		{name: "review-disputed", about: "the handling unit disputes round 1",
			time: at(12, 30), actor: "o-001", cosign: true, payload: &casework.ReviewDisputed{Review: r, Round: 1, Reason: "从重情节已在卷"}},
		{name: "review-resolved", about: "a head's resolution with the record of a collective discussion",
			time: at(12, 35), actor: "o-001", cosign: true, payload: &casework.ReviewResolved{Review: r, Round: 1,
				Resolution: casework.ResolutionProceed, Decision: "经集体讨论，按原决定执行",
				Collective: &casework.Collective{Held: "2026-11-26", Attendees: []string{"赵六", "王五", "李四"}, Conclusion: "证据充分，按原决定执行。"}}},
	}
}

func generate() (vectorFile, error) {
	f := vectorFile{
		About: []string{
			"Test vectors of docs/EVENTS.md, generated from the code by `go test ./docs/vectors -update`;",
			"every test run regenerates them and fails if this file differs, and runs verify.py over it.",
			"Each key's seed is SHA-256 of its seed_from text. Byte strings are hex or standard base64 as named.",
		},
		Keys: []keyVector{terminalKey.vector(), officerKey.vector(), hubKey.vector()},
	}
	events, err := chainVectors()
	if err != nil {
		return f, err
	}
	f.Events = events
	if f.Malformed, err = malformedVectors(events); err != nil {
		return f, err
	}
	if f.Documents, err = documentVectors(); err != nil {
		return f, err
	}
	if f.SealedKeys, err = sealedVectors(); err != nil {
		return f, err
	}
	if f.Receipts, err = receiptVectors(); err != nil {
		return f, err
	}
	return f, nil
}

func chainVectors() ([]eventVector, error) {
	var out []eventVector
	var prev evidence.Digest
	for i, d := range drafts() {
		if err := d.payload.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", d.name, err)
		}
		payload, err := json.Marshal(d.payload)
		if err != nil {
			return nil, err
		}
		body, err := evidence.EncodeBody(evidence.Body{Version: evidence.BodyVersion, Terminal: terminalKey.pair.ID(),
			Seq: uint64(i + 1), Prev: prev, Time: d.time, Actor: d.actor, Type: d.payload.EventType(), Payload: payload, Blobs: d.blobs})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.name, err)
		}
		var cosigners []evidence.OfficerKey
		if d.cosign {
			cosigners = append(cosigners, evidence.OfficerKey{Officer: d.actor, Key: officerKey.pair})
		}
		ev := evidence.Sign(body, terminalKey.pair, cosigners...)
		evJSON, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		v := eventVector{Name: d.name, About: d.about, Body: string(body), BodyBase64: base64.StdEncoding.EncodeToString(body),
			ID: ev.Hash().String(), Sig: sig("", terminalKey.name, ev.Sig), CoSigs: []sigVector{}, Event: evJSON}
		for _, c := range ev.CoSigs {
			v.CoSigs = append(v.CoSigs, sig(c.Officer, officerKey.name, c.Sig))
		}
		out = append(out, v)
		prev = ev.Hash()
	}
	return out, nil
}

func sig(officer, key string, s []byte) sigVector {
	return sigVector{Officer: officer, Key: key, Base64: base64.StdEncoding.EncodeToString(s), Hex: hex.EncodeToString(s)}
}

// mutation turns a canonical body into one that must be refused.
type mutation struct {
	name, reason, old, new string
	prefix, suffix         string
}

func malformedVectors(events []eventVector) ([]malformedVector, error) {
	byName := map[string]string{}
	for _, e := range events {
		byName[e.Name] = e.Body
	}
	base := byName["case-opened"]
	muts := []mutation{
		{name: "space-after-colon", reason: "whitespace between tokens", old: `"seq":4`, new: `"seq": 4`},
		{name: "leading-space", reason: "whitespace before the object", prefix: " "},
		{name: "trailing-newline", reason: "whitespace after the object", suffix: "\n"},
		{name: "trailing-data", reason: "a second value after the object", suffix: `{}`},
		{name: "byte-order-mark", reason: "a UTF-8 byte order mark before the object", prefix: "\ufeff"},
		{name: "reordered-fields", reason: "fields not in the order v, terminal, seq, prev, time, actor, type, payload, blobs",
			old: `"actor":"o-001","type":"case.opened"`, new: `"type":"case.opened","actor":"o-001"`},
		{name: "unknown-field", reason: "a field the body does not have", old: `"blobs":[]`, new: `"blobs":[],"extra":1`},
		{name: "missing-field", reason: "a field left out (actor)", old: `"actor":"o-001",`, new: ``},
		{name: "duplicate-field", reason: "a field given twice", old: `"seq":4,`, new: `"seq":4,"seq":4,`},
		{name: "uppercase-field-name", reason: "a field name in another case", old: `"seq":4`, new: `"Seq":4`},
		{name: "uppercase-hex", reason: "prev in uppercase hex", old: `"prev":"` + hashOf(byName["agency-registered"]), new: `"prev":"` + strings.ToUpper(hashOf(byName["agency-registered"]))},
		{name: "unescaped-lt-in-payload", reason: "< written raw inside the payload", old: `\u003c`, new: `<`},
		{name: "unescaped-amp-in-payload", reason: "& written raw inside the payload", old: `\u0026`, new: `&`},
		{name: "unescaped-u2028-in-payload", reason: "U+2028 written raw inside the payload", old: `\u2028`, new: "\u2028"},
		{name: "unescaped-gt-in-actor", reason: "> written raw in a top-level string", old: `"actor":"o-001"`, new: `"actor":"o>001"`},
		{name: "uppercase-unicode-escape", reason: "\\u003C instead of \\u003c (top-level string)", old: `"actor":"o-001"`, new: `"actor":"o\u003C001"`},
		{name: "escaped-slash", reason: "/ written \\/ (top-level string)", old: `"actor":"o-001"`, new: `"actor":"o\/001"`},
		{name: "escaped-non-ascii", reason: "a non-ASCII character written as \\u escape instead of UTF-8", old: `"actor":"o-001"`, new: `"actor":"o-\u674e"`},
		{name: "u-escape-for-newline", reason: "\\u000a instead of \\n", old: `"actor":"o-001"`, new: `"actor":"o\u000a1"`},
		{name: "invalid-utf8", reason: "bytes that are not UTF-8 in a string", old: `"actor":"o-001"`, new: "\"actor\":\"o-\xff\""},
		{name: "raw-control-character", reason: "a raw tab inside a string (not JSON)", old: `"actor":"o-001"`, new: "\"actor\":\"o-\t1\""},
		{name: "time-without-zone", reason: "time without a zone", old: `+08:00"`, new: `"`},
		{name: "time-plus-zero-zone", reason: "zone +00:00 where Z is written", old: `"time":"2026-11-26T09:35:07.123456789+08:00"`, new: `"time":"2026-11-26T01:35:07.123456789+00:00"`},
		{name: "time-trailing-zero", reason: "a fraction with a trailing zero", old: `07.123456789+08:00`, new: `07.120+08:00`},
		{name: "time-zero-fraction", reason: "a fraction of zeros", old: `07.123456789+08:00`, new: `07.000+08:00`},
		{name: "time-ten-digits", reason: "more than nine fraction digits", old: `07.123456789+08:00`, new: `07.1234567891+08:00`},
		{name: "time-minus-zero-zone", reason: "zone -00:00 where Z is written", old: `"time":"2026-11-26T09:35:07.123456789+08:00"`, new: `"time":"2026-11-26T01:35:07.123456789-00:00"`},
		{name: "time-second-60", reason: "second 60 (a leap second)", old: `09:35:07.123456789+08:00`, new: `09:35:60+08:00`},
		{name: "time-lowercase-z", reason: "lowercase z", old: `"time":"2026-11-26T09:35:07.123456789+08:00"`, new: `"time":"2026-11-26T01:35:07.123456789z"`},
		{name: "time-lowercase-t", reason: "lowercase t between date and time", old: `2026-11-26T09:35`, new: `2026-11-26t09:35`},
		{name: "time-space", reason: "a space between date and time", old: `2026-11-26T09:35`, new: `2026-11-26 09:35`},
		{name: "time-comma-fraction", reason: "a comma before the fraction", old: `07.123456789`, new: `07,123456789`},
		{name: "number-with-fraction", reason: "1.0 where an integer is written", old: `"v":1,`, new: `"v":1.0,`},
		{name: "number-with-exponent", reason: "4e0 where an integer is written", old: `"seq":4`, new: `"seq":4e0`},
		{name: "number-leading-zero", reason: "04 is not JSON", old: `"seq":4`, new: `"seq":04`},
		{name: "negative-seq", reason: "seq below 1", old: `"seq":4`, new: `"seq":-4`},
		{name: "seq-zero", reason: "seq 0", old: `"seq":4`, new: `"seq":0`},
		{name: "seq-as-string", reason: "a number written as a string", old: `"seq":4`, new: `"seq":"4"`},
		{name: "version-2", reason: "a body version other than 1", old: `"v":1,`, new: `"v":2,`},
		{name: "null-blobs", reason: "blobs null instead of []", old: `"blobs":[]`, new: `"blobs":null`},
		{name: "payload-not-object", reason: "payload is not a JSON object", old: `"payload":{`, new: `"payload":[{`},
		{name: "payload-whitespace", reason: "whitespace inside the payload", old: `{"case":"c-1",`, new: `{"case": "c-1",`},
		{name: "empty-type", reason: "no event type", old: `"type":"case.opened"`, new: `"type":""`},
		{name: "prev-zero-after-seq-1", reason: "seq above 1 with an all-zero prev", old: `"prev":"` + hashOf(byName["agency-registered"]), new: `"prev":"` + strings.Repeat("0", 64)},
	}
	// Spellings ParseBody lets through inside the payload, refused by
	// casework.Decode (one payload, one spelling).
	payloadMuts := map[string]bool{}
	for _, m := range []mutation{
		{name: "payload-name-in-another-case", reason: "a payload field name in another case", old: `{"case":"c-1"`, new: `{"Case":"c-1"`},
		{name: "payload-repeated-name", reason: "a payload field given twice", old: `{"case":"c-1",`, new: `{"case":"c-2","case":"c-1",`},
		{name: "payload-reordered", reason: "payload fields out of their type's order", old: `"act_type":"penalty","agency":"a5f3c2e1d0b9a"`, new: `"agency":"a5f3c2e1d0b9a","act_type":"penalty"`},
		{name: "payload-escaped-letter", reason: "\\u0063 for c inside the payload", old: `{"case":"c-1"`, new: `{"case":"\u0063-1"`},
		{name: "payload-escaped-slash", reason: "/ written \\/ inside the payload", old: `a/b`, new: `a\/b`},
		{name: "payload-invalid-utf8", reason: "bytes that are not UTF-8 inside the payload", old: `第二段`, new: "\xff\xfe"},
	} {
		muts = append(muts, m)
		payloadMuts[m.name] = true
	}
	var out []malformedVector
	for _, m := range muts {
		b := base
		if m.old != "" {
			if !strings.Contains(b, m.old) {
				return nil, fmt.Errorf("malformed vector %s: %q is not in the base body", m.name, m.old)
			}
			b = strings.Replace(b, m.old, m.new, 1)
		}
		if m.name == "payload-not-object" {
			b = strings.Replace(b, `},"blobs"`, `}],"blobs"`, 1)
		}
		b = m.prefix + b + m.suffix
		level := "body"
		if payloadMuts[m.name] {
			level = "payload"
		}
		out = append(out, malformedVector{Name: m.name, Level: level, Reason: m.reason, Body: base64.StdEncoding.EncodeToString([]byte(b))})
	}
	return out, nil
}

// hashOf is the event id of body, the prev of the body after it.
func hashOf(body string) string {
	return evidence.Sum([]byte(body)).String()
}

func documentVectors() ([]documentVector, error) {
	c := documentContent()
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	h, err := c.Hash()
	if err != nil {
		return nil, err
	}
	return []documentVector{{Name: "penalty-decision", Content: raw, HashedBytes: string(raw), ContentHash: h.String()}}, nil
}

// countingReader gives 0, 1, 2, … : the salt and the nonce of the sealed
// key vector.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

func sealedVectors() ([]sealedVector, error) {
	pass := "一二三四 pass"
	params := evidence.KDFParams{Time: 2, MemoryKiB: 64, Threads: 2}
	s, err := evidence.Seal(officerKey.pair, "officer", "o-001", []byte(pass), params, &countingReader{})
	if err != nil {
		return nil, err
	}
	file, err := json.MarshalIndent(s, "", "  ") // as store and hub write key files
	if err != nil {
		return nil, err
	}
	kek := argon2.IDKey([]byte(pass), s.Salt, params.Time, params.MemoryKiB, params.Threads, 32)
	ad := bytes.Join([][]byte{[]byte(s.Format), []byte(s.Purpose), []byte(s.Owner), s.Public}, []byte{0})
	return []sealedVector{{Name: "officer-key", File: string(file), Passphrase: pass, PassphraseHex: hex.EncodeToString([]byte(pass)),
		WrongPassphrase: "一二三四 Pass", AssociatedHex: hex.EncodeToString(ad), KEKHex: hex.EncodeToString(kek),
		SeedHex: hex.EncodeToString(officerKey.pair.Private.Seed()), PublicHex: hex.EncodeToString(officerKey.pair.Public)}}, nil
}

func receiptVectors() ([]receiptVector, error) {
	r := protocol.Receipt{Digest: footage, Size: 30_000_000_000, Terminal: terminalKey.pair.ID(),
		Time: time.Date(2026, 11, 26, 2, 0, 0, 120_000_000, time.UTC), LogIndex: 1240}
	r.Sig = hubKey.pair.Sign(r.SignedBytes())
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return []receiptVector{{Name: "footage-receipt", Receipt: raw, SignedBytes: string(r.SignedBytes()), HubKey: hubKey.name}}, nil
}

// encodeFile is the exact bytes of vectors.json.
func encodeFile(f vectorFile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
