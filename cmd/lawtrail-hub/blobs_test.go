//go:build ci

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A --blobs spec with credentials in it is refused, before or after the
// command's name, and neither the error nor anything else printed repeats
// the secret; a scheme that is not known is refused the same way.
func TestBlobsSpecWithCredentialsRefused(t *testing.T) {
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	for _, args := range [][]string{
		{"--data", t.TempDir(), "--blobs", "s3://AKIAEXAMPLE:" + secret + "@footage?endpoint=127.0.0.1:9", "check"},
		{"--data", t.TempDir(), "stats", "--blobs", "s3://AKIAEXAMPLE:" + secret + "@footage"},
		{"--data", t.TempDir(), "key", "--blobs=s3://footage?endpoint=127.0.0.1:9&" + secret + "=1"},
		{"--data", t.TempDir(), "key", "--blobs", "gs://" + secret + "@footage"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, env{stdout: &out, stderr: &errOut, getenv: hubPass})
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args[2:], code)
		}
		if strings.Contains(out.String()+errOut.String(), secret) {
			t.Errorf("the secret was printed: %s%s", out.String(), errOut.String())
		}
		if !strings.Contains(errOut.String(), "footage store") {
			t.Errorf("error does not say what was refused: %q", errOut.String())
		}
	}
}
