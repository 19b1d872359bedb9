package evidence

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var shanghai = time.FixedZone("CST", 8*3600)

func sampleBody(seq uint64, prev Digest) Body {
	return Body{
		Version: BodyVersion, Terminal: "kterminal", Seq: seq, Prev: prev,
		Time:  time.Date(2026, 11, 26, 9, 30, 0, 123456789, shanghai),
		Actor: "o-001", Type: "case.opened",
		Payload: json.RawMessage(`{"case":"c-1","title":"无证经营"}`),
		Blobs:   []Digest{Sum([]byte("footage"))},
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	want := sampleBody(1, Digest{})
	raw, err := EncodeBody(want)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"time":"2026-11-26T09:30:00.123456789+08:00"`) {
		t.Fatalf("terminal time not RFC 3339 with zone: %s", raw)
	}
	got, err := ParseBody(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EncodeBody(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(raw) {
		t.Fatalf("re-encoding changed the bytes:\n%s\n%s", raw, again)
	}
	if got.Seq != 1 || got.Type != "case.opened" || got.Blobs[0] != want.Blobs[0] || !got.Time.Equal(want.Time) {
		t.Fatalf("round trip lost fields: %+v", got)
	}
}

func TestParseBodyRejectsMalformed(t *testing.T) {
	good, err := EncodeBody(sampleBody(2, Sum([]byte("prev"))))
	if err != nil {
		t.Fatal(err)
	}
	g := string(good)
	cases := map[string]string{
		"empty":              "",
		"not json":           "hello",
		"array":              "[]",
		"trailing data":      g + "{}",
		"extra whitespace":   " " + g,
		"unknown field":      strings.Replace(g, `{"v":1,`, `{"v":1,"x":2,`, 1),
		"wrong version":      strings.Replace(g, `"v":1`, `"v":2`, 1),
		"seq zero":           strings.Replace(g, `"seq":2`, `"seq":0`, 1),
		"negative seq":       strings.Replace(g, `"seq":2`, `"seq":-2`, 1),
		"seq 1 with prev":    strings.Replace(g, `"seq":2`, `"seq":1`, 1),
		"bad prev":           strings.Replace(g, `"prev":"`, `"prev":"zz`, 1),
		"uppercase digest":   strings.Replace(g, `"prev":"`, `"prev":"`+strings.ToUpper(Sum(nil).String()), 1),
		"time without zone":  strings.Replace(g, `+08:00"`, `"`, 1),
		"payload not object": strings.Replace(g, `"payload":{"case":"c-1","title":"无证经营"}`, `"payload":[1]`, 1),
		"no type":            strings.Replace(g, `"type":"case.opened"`, `"type":""`, 1),
		"duplicate key":      strings.Replace(g, `{"v":1,`, `{"v":1,"v":1,`, 1),
		"null blobs":         strings.Replace(g, `"blobs":["`+Sum([]byte("footage")).String()+`"]`, `"blobs":null`, 1),
		"oversized":          `{"v":1,"payload":"` + strings.Repeat("a", MaxBodySize) + `"}`,
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if raw == g {
				t.Fatal("test case did not change the body")
			}
			if _, err := ParseBody([]byte(raw)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

func TestDigestText(t *testing.T) {
	d := Sum([]byte("abc"))
	if d.String() != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("SHA-256(abc) = %s", d)
	}
	back, err := ParseDigest(d.String())
	if err != nil || back != d {
		t.Fatalf("ParseDigest round trip: %v %v", back, err)
	}
	for _, s := range []string{"", "ab", strings.Repeat("g", 64), strings.Repeat("A", 64), d.String() + "0"} {
		if _, err := ParseDigest(s); !errors.Is(err, ErrBadDigest) {
			t.Errorf("ParseDigest(%q) = %v, want ErrBadDigest", s, err)
		}
	}
}
