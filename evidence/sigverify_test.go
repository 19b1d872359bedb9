package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"lawtrail/evidence/sigtest"
	"math/big"
	mrand "math/rand/v2"
	"testing"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// agree checks that both of the package's verifiers (one signature, and a
// key expanded for many) give the standard library's answer, and returns
// it.
func agree(t *testing.T, what string, pub ed25519.PublicKey, msg, sig []byte) bool {
	t.Helper()
	want := len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
	if got := verifySig(pub, msg, sig); got != want {
		t.Fatalf("%s: verifySig says %v, crypto/ed25519 %v (pub %x sig %x)", what, got, want, pub, sig)
	}
	if got := newSigVerifier().verify(pub, msg, sig); got != want {
		t.Fatalf("%s: the expanded key says %v, crypto/ed25519 %v (pub %x sig %x)", what, got, want, pub, sig)
	}
	return want
}

// The edge cases where Ed25519 verifiers are known to differ (small-order
// and non-canonical points, S not reduced, a torsion component in R): the
// package must take exactly the signatures crypto/ed25519 takes, since
// every other verifier of the record (the terminal, lawtrail-hub check,
// an outside auditor) uses it or its rules.
func TestVerifyAgreesWithStdlib(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	rng := mrand.New(mrand.NewPCG(1, 2))

	t.Run("good signatures and every bit flipped", func(t *testing.T) {
		for i := range 50 {
			msg := make([]byte, rng.IntN(600))
			rand.Read(msg)
			sig := ed25519.Sign(priv, msg)
			if !agree(t, "good", pub, msg, sig) {
				t.Fatal("a good signature was refused")
			}
			bit := i * 7 % 8
			for j := range sig {
				bad := append([]byte(nil), sig...)
				bad[j] ^= 1 << bit
				agree(t, "sig flipped", pub, msg, bad)
			}
			for j := range pub {
				bad := append(ed25519.PublicKey(nil), pub...)
				bad[j] ^= 1 << bit
				agree(t, "pub flipped", bad, msg, sig)
			}
		}
	})

	t.Run("S plus the group order", func(t *testing.T) {
		msg := []byte("malleable")
		sig := ed25519.Sign(priv, msg)
		l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
		s := new(big.Int).SetBytes(reverse(sig[32:]))
		s.Add(s, l)
		bad := append(append([]byte(nil), sig[:32]...), reverse(s.FillBytes(make([]byte, 32)))...)
		if agree(t, "S+L", pub, msg, bad) {
			t.Fatal("a signature with S beyond the group order was taken")
		}
	})

	// Small-order points and non-canonical encodings, as keys and as R,
	// with S of 0, 1 and a random one.
	points := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // the identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
		sigtest.OrderEight, // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
		"0100000000000000000000000000000000000000000000000000000000000080", // the identity, x's sign set
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, x's sign set
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p: non-canonical 0
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1: non-canonical 1
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = p+1, x's sign set
		hex.EncodeToString(pub), // a good key
	}
	t.Run("small-order and non-canonical points", func(t *testing.T) {
		var good, bad int
		for _, a := range points {
			for _, r := range points {
				for _, s := range []string{"00", "01", hex.EncodeToString(ed25519.Sign(priv, []byte("x"))[32:])} {
					sig := append(mustHex(t, r), mustHex(t, s)...)
					sig = append(sig, make([]byte, ed25519.SignatureSize-len(sig))...)
					if agree(t, "a="+a+" r="+r+" s="+s, mustHex(t, a), []byte("x"), sig) {
						good++
					} else {
						bad++
					}
				}
			}
		}
		if good == 0 || bad == 0 {
			t.Fatalf("%d taken, %d refused: the cases do not tell the rules apart", good, bad)
		}
	})

	t.Run("a torsion component in R", func(t *testing.T) {
		// R = rB + T for T of order 8: good under the cofactored equation
		// (which batch verification needs), refused by the standard
		// library's cofactorless one.
		msg := []byte("torsion")
		sig, err := sigtest.TorsionSignature(priv, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, &voi.Options{Verify: voi.VerifyOptionsFIPS_186_5}) {
			t.Fatal("the crafted signature is not good under the cofactored equation: the case proves nothing")
		}
		if agree(t, "torsion in R", pub, msg, sig) {
			t.Fatal("a signature good only under the cofactored equation was taken")
		}
	})
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

// FuzzVerifyAgreesWithStdlib: any key, message and signature bytes get the
// standard library's answer from both verifiers (`make fuzz` runs it
// longer; go test runs the seeds).
func FuzzVerifyAgreesWithStdlib(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f.Add([]byte(pub), []byte("seed"), ed25519.Sign(priv, []byte("seed")))
	f.Add(make([]byte, 32), []byte{}, make([]byte, 64))
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		agree(t, "fuzz", pub, msg, sig)
	})
}
