package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lawtrail/hub/blobstore"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// One enrolled terminal must never read or write another terminal's upload,
// however the upload path is spelled. The hub accepts only the exact upload
// id form it issues (terminal-digest prefix-random, no escapes, one path
// segment) and then checks the owner tusd recorded for the resolved upload.
// Each probe is a hand-written HTTPS request from a second enrolled
// terminal; afterwards the victim's upload holds the same bytes at the same
// offset, and no answer carried its offset, length or metadata. The same
// probes run against a hub whose uploads are in S3 (tusd's S3 store).
func TestUploadPathsStayInTheirTerminal(t *testing.T) {
	t.Run("folder", func(t *testing.T) { uploadPathsStayInTheirTerminal(t, startHub(t, t.TempDir())) })
	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t)
		srv.SetEnv(t)
		uploadPathsStayInTheirTerminal(t, startHubOn(t, srv, "ns"))
	})
}

func uploadPathsStayInTheirTerminal(t *testing.T, th *testHub) {
	ctx := context.Background()

	victim, vc := joined(t, th)
	vd := victim.addFootage(t, 300<<10)[0]
	vc.opt.Metered = true
	if _, err := vc.Once(ctx); err != nil {
		t.Fatal(err)
	}
	vu, err := vc.create(ctx, store.PendingBlob{Digest: vd, Size: 300 << 10})
	if err != nil {
		t.Fatal(err)
	}
	blob := plaintextOf(t, victim.store, vd)
	if vu.Offset, err = vc.patch(ctx, vu, io.NewSectionReader(bytes.NewReader(blob), 0, 100<<10)); err != nil {
		t.Fatal(err)
	}
	victimID := strings.TrimPrefix(vu.URL, protocol.PathBlobs)
	_, inFolder := th.hub.Blobs().(*blobstore.Folder)
	binPath := filepath.Join(th.hub.UploadDir(), victimID)
	var before []byte
	if inFolder { // on S3 the victim's offset and its finished upload's re-hash below prove its bytes
		if before, err = os.ReadFile(binPath); err != nil {
			t.Fatalf("the victim's upload file: %v", err)
		}
	}

	attacker, ac := joined(t, th)
	ad := attacker.addFootage(t, 1000)[0]
	ac.opt.Metered = true
	if _, err := ac.Once(ctx); err != nil {
		t.Fatal(err)
	}
	au, err := ac.create(ctx, store.PendingBlob{Digest: ad, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ownID := strings.TrimPrefix(au.URL, protocol.PathBlobs)

	tus := map[string]string{"Tus-Resumable": tusVersion}
	// Control: the attacker's own upload answers, so refusals below are
	// refusals and not a malformed probe.
	if a := rawRequest(t, th.addr, attacker.key, protocol.ServerNameHub, http.MethodHead, au.URL, tus, ""); a.status != http.StatusOK || a.header.Get("Upload-Offset") != "0" {
		t.Fatalf("HEAD of the attacker's own upload: %d %v", a.status, a.header)
	}

	b := protocol.PathBlobs
	targets := []string{
		b + ownID + "-%2F..%2F" + victimID, // the reported example
		b + ownID + "%2F..%2F" + victimID,
		b + ownID + "%2f..%2f" + victimID,
		b + ownID + "%2F%2E%2E%2F" + victimID,
		b + ownID + "%2f%2e%2e%2f" + victimID,
		b + ownID + "/../" + victimID,
		b + ownID + "/%2e%2e/" + victimID,
		b + "..%2F" + victimID,
		b + "./" + victimID,
		b + "%2e/" + victimID,
		b + "%2E%2F" + victimID,
		b + ownID + "%252F..%252F" + victimID, // double encoding
		b + ownID + `\..\` + victimID,         // backslashes
		b + ownID + "%5C..%5C" + victimID,
		b + ownID + "%5c..%5c" + victimID,
		b + "%6b" + victimID[1:], // an escaped letter that decodes to the victim's id
		b + victimID + "/",       // trailing slash
		b + victimID + "%2F",
		b + victimID + "/x", // extra segment
		b + victimID + "/" + ownID,
		b + "../blobs/" + victimID,
		"/v1//blobs/" + victimID,
		b + victimID, // a well-formed id of another terminal: refused by its recorded owner
	}
	patchHeader := map[string]string{"Tus-Resumable": tusVersion, "Upload-Offset": strconv.FormatInt(vu.Offset, 10),
		"Content-Type": "application/offset+octet-stream"}
	for _, target := range targets {
		for _, method := range []string{http.MethodHead, http.MethodPatch, http.MethodGet, http.MethodDelete} {
			header, body := tus, ""
			if method == http.MethodPatch {
				header, body = patchHeader, "INJECTED BY ANOTHER TERMINAL"
			}
			a := rawRequest(t, th.addr, attacker.key, protocol.ServerNameHub, method, target, header, body)
			if a.status/100 == 2 {
				t.Errorf("%s %s: %d, want a refusal", method, target, a.status)
			}
			for _, h := range []string{"Upload-Offset", "Upload-Length", "Upload-Metadata"} {
				if v := a.header.Get(h); v != "" {
					t.Errorf("%s %s: answered %s: %s (the victim's upload leaked)", method, target, h, v)
				}
			}
			if strings.Contains(a.body, vd.String()) {
				t.Errorf("%s %s: the answer names the victim's digest: %s", method, target, a.body)
			}
		}
	}

	if inFolder {
		after, err := os.ReadFile(binPath)
		if err != nil || !bytes.Equal(before, after) {
			t.Fatalf("the victim's upload changed: %d bytes before, %d after (%v)", len(before), len(after), err)
		}
	}
	if off, err := vc.head(ctx, vu.URL); err != nil || off != vu.Offset {
		t.Fatalf("the victim's offset: %d %v, want %d", off, err, vu.Offset)
	}
	// The victim finishes its own upload; the hub's re-hash proves its bytes.
	vc.opt.Metered = false
	if rep, err := vc.Once(ctx); err != nil || rep.Receipts != 1 {
		t.Fatalf("the victim's upload after the probes: %+v %v", rep, err)
	}
}
