package casefile

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"lawtrail/store"
	"lawtrail/sync/protocol"
	"lawtrail/tsa"
)

// RFC 3161 timestamps: for each checkpoint in the case file whose token
// the terminal kept, log/timestamps/<size>.tsr is the TSA's token (DER
// TimeStampToken) whose message imprint is SHA-256 of
// log/checkpoints/<size>.note. openssl verifies it as it is:
//
//	openssl ts -verify -data log/checkpoints/N.note -in log/timestamps/N.tsr -token_in -CAfile tsa-ca.pem

const timestampsDir = "log/timestamps"

// addTimestamp puts the kept token of a checkpoint in the case file, if
// there is one and it verifies over the checkpoint's note.
func addTimestamp(ctx context.Context, live *store.Store, cp protocol.Checkpoint, files map[string][]byte) error {
	t, ok, err := live.Timestamp(ctx, cp.Size)
	if err != nil || !ok {
		return err
	}
	if _, err := tsa.Verify(t.Token, []byte(cp.Note), nil); err != nil {
		return nil // kept only after verifying; one that no longer does is left out, not carried
	}
	files[fmt.Sprintf("%s/%d.tsr", timestampsDir, cp.Size)] = t.Token
	return nil
}

// checkTimestamps verifies each token in log/timestamps against the note of
// its checkpoint (verified: roots) and the TSA certificate given, or the
// one inside the token (said so), and claims each genTime.
func (v *verification) checkTimestamps(roots map[uint64][]byte) {
	names, _ := fs.Glob(v.b, timestampsDir+"/*")
	slices.SortFunc(names, func(a, b string) int { x, _ := tsrSize(a); y, _ := tsrSize(b); return cmp.Compare(x, y) })
	fromToken := false
	for _, name := range names {
		size, ok := tsrSize(name)
		if !ok {
			v.out.problem("%s: not a timestamp file (%s/<checkpoint size>.tsr)", name, timestampsDir)
			continue
		}
		if _, ok := roots[size]; !ok {
			v.out.problem("%s: no verified checkpoint of size %d to timestamp", name, size)
			continue
		}
		noteName := fmt.Sprintf("log/checkpoints/%d.note", size)
		note, err := readCapped(v.b, noteName, maxSmallBytes)
		var der []byte
		if err == nil {
			der, err = readCapped(v.b, name, tsa.MaxTokenBytes)
		}
		var tok tsa.Token
		if err == nil {
			tok, err = tsa.Verify(der, note, v.opt.TSARoots)
		}
		if err != nil {
			v.out.problem("%s: %v (not a timestamp of %s)", name, err, noteName)
			continue
		}
		fromToken = fromToken || !tok.Chained
		v.out.Claims = append(v.out.Claims, fmt.Sprintf("checkpoint %d existed no later than %s by the TSA %s (RFC 3161 timestamp %s)",
			size, tok.GenTime.UTC().Format(time.RFC3339), tok.TSA, name))
	}
	if fromToken {
		v.out.Notes = append(v.out.Notes, "the TSA certificate was taken from the token: compare it with the certificate the time-stamping authority publishes, or pass --tsa-cert")
	}
}

// tsrSize is the checkpoint size a log/timestamps/<size>.tsr names.
func tsrSize(name string) (uint64, bool) {
	base, ok := strings.CutSuffix(path.Base(name), ".tsr")
	n, err := strconv.ParseUint(base, 10, 64)
	return n, ok && err == nil && strconv.FormatUint(n, 10) == base
}
