package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// serve refuses --tsa flags it cannot act on, before serving: a
// certificate file without a TSA, a URL that is not http(s), a file with
// no certificate or an endless one (/dev/zero), an interval under 1 s.
func TestServeRefusesBadTSAFlags(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(notPEM, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
	cases := map[string]struct {
		args []string
		want string
	}{
		"cert without tsa": {[]string{"--tsa-cert", notPEM}, "--tsa-cert needs --tsa"},
		"not http":         {[]string{"--tsa", "ftp://tsa.example"}, "not an http(s) URL"},
		"no host":          {[]string{"--tsa", "http://"}, "not an http(s) URL"},
		"no certificate":   {[]string{"--tsa", "http://127.0.0.1:1", "--tsa-cert", notPEM}, "no PEM certificate"},
		"endless file":     {[]string{"--tsa", "http://127.0.0.1:1", "--tsa-cert", "/dev/zero"}, "larger than"},
		"too often":        {[]string{"--tsa", "http://127.0.0.1:1", "--tsa-every", "10ms"}, "at least 1s"},
	}
	data := dataArgs(t, dir)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := slices.Concat(data, []string{"serve", "--listen", "127.0.0.1:0"}, tc.args)
			code := run(context.Background(), args, env{stdout: &out, stderr: &errOut,
				getenv: func(k string) string { return map[string]string{"LAWTRAIL_HUB_PASSPHRASE": "hub passphrase"}[k] }})
			if code != 2 || !strings.Contains(errOut.String(), tc.want) || strings.Contains(out.String(), "serving") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out.String(), errOut.String(), tc.want)
			}
		})
	}
}
