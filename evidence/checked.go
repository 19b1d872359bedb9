package evidence

import (
	"context"
	"crypto/ed25519"
	"sync"
)

// SignatureCheck is one signature to check: Sig by Pub over Msg.
type SignatureCheck struct {
	Pub      ed25519.PublicKey
	Msg, Sig []byte
}

// CheckedSignatures is the set of signatures a parallel pass found good,
// so that the sequential pass over a batch (which must run in order, as an
// event may enroll the key a later one is co-signed with) does not verify
// them again. A signature that is not in the set is simply verified then:
// the set only ever saves work, it never decides.
type CheckedSignatures struct {
	good map[checkedSig]struct{}
}

type checkedSig struct {
	pub  [ed25519.PublicKeySize]byte
	sig  [ed25519.SignatureSize]byte
	body Digest
}

func checkedKey(pub ed25519.PublicKey, msg, sig []byte) (checkedSig, bool) {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return checkedSig{}, false
	}
	k := checkedSig{body: Sum(msg)}
	copy(k.pub[:], pub)
	copy(k.sig[:], sig)
	return k, true
}

// CheckSignatures verifies checks on up to workers goroutines (at least
// one) and returns those that verified. It stops early, with what it has,
// when ctx is done.
func CheckSignatures(ctx context.Context, checks []SignatureCheck, workers int) *CheckedSignatures {
	workers = max(1, min(workers, len(checks)))
	found := make([]bool, len(checks))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := newSigVerifier() // sigverify.go: each key expanded once
			for i := w; i < len(checks); i += workers {
				if ctx.Err() != nil {
					return
				}
				c := checks[i]
				found[i] = v.verify(c.Pub, c.Msg, c.Sig)
			}
		}()
	}
	wg.Wait()
	cs := &CheckedSignatures{good: make(map[checkedSig]struct{}, len(checks))}
	for i, ok := range found {
		if !ok {
			continue
		}
		if k, ok := checkedKey(checks[i].Pub, checks[i].Msg, checks[i].Sig); ok {
			cs.good[k] = struct{}{}
		}
	}
	return cs
}

// verify reports whether sig by pub over msg is good, from the set when it
// is there and by verifying it otherwise (a nil set verifies everything).
func (cs *CheckedSignatures) verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	if cs != nil {
		if k, ok := checkedKey(pub, msg, sig); ok {
			if _, good := cs.good[k]; good {
				return true
			}
		}
	}
	return verifySig(pub, msg, sig)
}
