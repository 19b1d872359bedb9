package vectors

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

var update = flag.Bool("update", false, "rewrite vectors.json from the code")

const vectorsPath = "vectors.json"

// The published vectors are exactly what the code produces today: the
// document cannot drift from the implementation.
func TestVectorsFileIsWhatTheCodeProduces(t *testing.T) {
	f, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(vectorsPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the code produces (%d bytes, want %d): the encoding changed, or the file was edited; "+
			"if the change is intended, run `go test ./docs/vectors -run TestVectorsFileIsWhatTheCodeProduces -update` and update docs/EVENTS.md", vectorsPath, len(got), len(want))
	}
}

func readVectors(t *testing.T) vectorFile {
	t.Helper()
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

func publicKeys(t *testing.T, f vectorFile) map[string]ed25519.PublicKey {
	t.Helper()
	keys := map[string]ed25519.PublicKey{}
	for _, k := range f.Keys {
		seed, err := hex.DecodeString(k.SeedHex)
		if err != nil || len(seed) != ed25519.SeedSize {
			t.Fatalf("key %s: seed %q", k.Name, k.SeedHex)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		if hex.EncodeToString(pub) != k.PublicHex || base64.StdEncoding.EncodeToString(pub) != k.PublicBase64 ||
			hex.EncodeToString(priv) != k.PrivateHex || evidence.KeyID(pub) != k.KeyID {
			t.Fatalf("key %s: public forms do not follow from the seed", k.Name)
		}
		keys[k.Name] = pub
	}
	return keys
}

// Each event vector parses, re-encodes to itself, hashes to its id, links
// to the one before, and carries signatures that verify — checked from the
// file, with the Go implementation.
func TestEventVectorsVerify(t *testing.T) {
	f := readVectors(t)
	keys := publicKeys(t, f)
	var prev evidence.Digest
	for i, v := range f.Events {
		body, err := base64.StdEncoding.DecodeString(v.BodyBase64)
		if err != nil || string(body) != v.Body {
			t.Fatalf("%s: body_base64 is not the body text", v.Name)
		}
		b, err := evidence.ParseBody(body)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		again, err := evidence.EncodeBody(b)
		if err != nil || !bytes.Equal(again, body) {
			t.Fatalf("%s: re-encoding changed the body: %s", v.Name, again)
		}
		if _, err := casework.Decode(b.Type, b.Payload); err != nil {
			t.Fatalf("%s: payload: %v", v.Name, err)
		}
		if got := evidence.Sum(body).String(); got != v.ID {
			t.Fatalf("%s: id %s, SHA-256 of the body is %s", v.Name, v.ID, got)
		}
		if b.Seq != uint64(i+1) || b.Prev != prev || b.Terminal != evidence.KeyID(keys[v.Sig.Key]) {
			t.Fatalf("%s: seq %d prev %s terminal %s do not continue the chain", v.Name, b.Seq, b.Prev, b.Terminal)
		}
		checkSig(t, v.Name, keys[v.Sig.Key], body, v.Sig)
		for _, c := range v.CoSigs {
			checkSig(t, v.Name+" co-signature", keys[c.Key], body, c)
		}
		var ev evidence.Event
		if err := json.Unmarshal(v.Event, &ev); err != nil || !bytes.Equal(ev.Body, body) || len(ev.CoSigs) != len(v.CoSigs) {
			t.Fatalf("%s: event JSON does not carry the body and signatures: %v", v.Name, err)
		}
		prev = evidence.Sum(body)
	}
	if len(f.Events) < 5 {
		t.Fatalf("only %d event vectors", len(f.Events))
	}
}

func checkSig(t *testing.T, name string, pub ed25519.PublicKey, msg []byte, s sigVector) {
	t.Helper()
	sig, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || hex.EncodeToString(sig) != s.Hex {
		t.Fatalf("%s: signature forms differ", name)
	}
	if !ed25519.Verify(pub, msg, sig) {
		t.Fatalf("%s: signature does not verify under key %s", name, s.Key)
	}
}

// Every malformed vector is refused: by ParseBody (level "body") or, inside
// a well-formed envelope, by casework.Decode (level "payload"). One body,
// one spelling.
func TestMalformedVectorsAreRefused(t *testing.T) {
	f := readVectors(t)
	if len(f.Malformed) < 20 {
		t.Fatalf("only %d malformed vectors", len(f.Malformed))
	}
	for _, v := range f.Malformed {
		body, err := base64.StdEncoding.DecodeString(v.Body)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		b, err := evidence.ParseBody(body)
		switch v.Level {
		case "body":
			if err == nil {
				t.Errorf("%s (%s): ParseBody accepted %q", v.Name, v.Reason, body)
			}
		case "payload":
			// The envelope is well formed; the payload's own spelling is not.
			if err != nil {
				t.Fatalf("%s: ParseBody refused a payload-level vector: %v", v.Name, err)
			}
			if _, err := casework.Decode(b.Type, b.Payload); !errors.Is(err, casework.ErrPayloadNotCanonical) {
				t.Errorf("%s (%s): casework.Decode gave %v, want ErrPayloadNotCanonical", v.Name, v.Reason, err)
			}
		default:
			t.Fatalf("%s: level %q", v.Name, v.Level)
		}
	}
}

func TestDocumentVectors(t *testing.T) {
	for _, v := range readVectors(t).Documents {
		var c casework.DocumentContent
		if err := json.Unmarshal(v.Content, &c); err != nil {
			t.Fatal(err)
		}
		h, err := c.Hash()
		if err != nil {
			t.Fatal(err)
		}
		canonical, err := json.Marshal(c)
		if err != nil || string(canonical) != v.HashedBytes {
			t.Fatalf("%s: the content encodes to %s, want %s", v.Name, canonical, v.HashedBytes)
		}
		if h.String() != v.ContentHash || evidence.Sum([]byte(v.HashedBytes)) != h {
			t.Fatalf("%s: content hash %s, want %s", v.Name, h, v.ContentHash)
		}
	}
}

func TestSealedKeyVectors(t *testing.T) {
	for _, v := range readVectors(t).SealedKeys {
		s, err := evidence.ParseSealedKey([]byte(v.File))
		if err != nil {
			t.Fatal(err)
		}
		k, err := s.Unseal([]byte(v.Passphrase))
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if hex.EncodeToString(k.Private.Seed()) != v.SeedHex || hex.EncodeToString(k.Public) != v.PublicHex ||
			hex.EncodeToString([]byte(v.Passphrase)) != v.PassphraseHex {
			t.Fatalf("%s: unsealed key differs", v.Name)
		}
		if _, err := s.Unseal([]byte(v.WrongPassphrase)); err == nil {
			t.Fatalf("%s: the wrong passphrase opened the key", v.Name)
		}
	}
}

func TestReceiptVectors(t *testing.T) {
	f := readVectors(t)
	keys := publicKeys(t, f)
	for _, v := range f.Receipts {
		var r protocol.Receipt
		if err := json.Unmarshal(v.Receipt, &r); err != nil {
			t.Fatal(err)
		}
		if string(r.SignedBytes()) != v.SignedBytes {
			t.Fatalf("%s: signed bytes %q, want %q", v.Name, r.SignedBytes(), v.SignedBytes)
		}
		if err := r.Verify(keys[v.HubKey]); err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
	}
}

// verify.py is written from docs/EVENTS.md alone (Python's standard library
// and the openssl command): it passing on the vectors shows the document is
// enough to implement the format.
func TestIndependentVerifierAcceptsTheVectors(t *testing.T) {
	out := runVerifier(t, vectorsPath)
	if err := out.err; err != nil {
		t.Fatalf("verify.py failed: %v\n%s", err, out.text)
	}
	for _, want := range []string{"keys ok", "events ok", "malformed refused", "documents ok", "sealed keys ok", "receipts ok"} {
		if !strings.Contains(out.text, want) {
			t.Fatalf("verify.py did not report %q:\n%s", want, out.text)
		}
	}
}

// The independent verifier is not a rubber stamp: each tampered copy of
// the vectors is refused.
func TestIndependentVerifierRefusesTamperedVectors(t *testing.T) {
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	f := readVectors(t)
	tampers := map[string]func(*vectorFile){
		"signature": func(f *vectorFile) { f.Events[2].Sig = f.Events[3].Sig },
		"co-signature": func(f *vectorFile) {
			f.Events[1].CoSigs[0].Base64, f.Events[1].CoSigs[0].Hex = f.Events[1].Sig.Base64, f.Events[1].Sig.Hex
		},
		"event id": func(f *vectorFile) { f.Events[0].ID = strings.Repeat("0", 64) },
		"accepted malformed": func(f *vectorFile) {
			f.Malformed[0].Body = f.Events[3].BodyBase64
		},
		"content hash": func(f *vectorFile) {
			f.Documents[0].ContentHash = f.Events[0].ID
		},
		"sealed seed": func(f *vectorFile) { f.SealedKeys[0].SeedHex = f.Keys[0].SeedHex },
		"sealed ciphertext": func(f *vectorFile) {
			f.SealedKeys[0].File = strings.Replace(f.SealedKeys[0].File, `"owner": "o-001"`, `"owner": "o-002"`, 1)
		},
		"receipt": func(f *vectorFile) {
			f.Receipts[0].Receipt = bytes.Replace(f.Receipts[0].Receipt, []byte(`"log_index":1240`), []byte(`"log_index":1241`), 1)
		},
	}
	for name, tamper := range tampers {
		c := f
		c.Events = append([]eventVector(nil), f.Events...)
		for i := range c.Events {
			c.Events[i].CoSigs = append([]sigVector(nil), f.Events[i].CoSigs...)
		}
		c.Malformed = append([]malformedVector(nil), f.Malformed...)
		c.Documents = append([]documentVector(nil), f.Documents...)
		c.SealedKeys = append([]sealedVector(nil), f.SealedKeys...)
		c.Receipts = append([]receiptVector(nil), f.Receipts...)
		tamper(&c)
		b, err := encodeFile(c)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(b, raw) {
			t.Fatalf("%s: tampering changed nothing", name)
		}
		path := filepath.Join(t.TempDir(), "vectors.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if out := runVerifier(t, path); out.err == nil {
			t.Errorf("%s: verify.py accepted a tampered file:\n%s", name, out.text)
		}
	}
}

type verifierOutput struct {
	text string
	err  error
}

// runVerifier runs verify.py. python3 and openssl are required tools of
// the build (Makefile DEB_PKGS): missing, the test fails, it does not skip.
func runVerifier(t *testing.T, path string) verifierOutput {
	t.Helper()
	for _, tool := range []string{"python3", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to run the independent verifier (install it; see Makefile DEB_PKGS): %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "verify.py", path)
	out, err := cmd.CombinedOutput()
	return verifierOutput{text: string(out), err: err}
}
