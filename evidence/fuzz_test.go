package evidence

import (
	"errors"
	"testing"
)

// FuzzParseBody feeds arbitrary bytes to the envelope parser. Whatever comes
// in, ParseBody must not panic, must fail only with ErrMalformed, and what it
// accepts must re-encode to exactly the same bytes (one body, one meaning).
func FuzzParseBody(f *testing.F) {
	for _, b := range []Body{sampleBody(1, Digest{}), sampleBody(7, Sum([]byte("x")))} {
		raw, err := EncodeBody(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"terminal":"t","seq":1,"prev":"","time":"2026-01-01T00:00:00Z","actor":"","type":"x","payload":{},"blobs":[]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		body, err := ParseBody(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("non-ErrMalformed failure: %v", err)
			}
			return
		}
		again, err := EncodeBody(body)
		if err != nil {
			t.Fatalf("accepted body does not re-encode: %v", err)
		}
		if string(again) != string(raw) {
			t.Fatalf("accepted non-canonical body:\n%q\n%q", raw, again)
		}
	})
}
