package server

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"lawtrail/sync/protocol"
)

// An upload is found only by the terminal the hub recorded as its owner
// when it created it, whatever id was asked for; an upload without a
// recorded owner (made before owners were recorded) is found by nobody.
func TestUploadsAreFoundOnlyByTheirOwner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := ownedStore{filestore.New(dir)}
	const owner, other = "k0000000000000001", "k0000000000000002"
	mk := func(id string, meta tusd.MetaData) {
		if _, err := filestore.New(dir).NewUpload(ctx, tusd.FileInfo{ID: id, Size: 10, MetaData: meta}); err != nil {
			t.Fatal(err)
		}
	}
	mk(owner+"-0123456789abcdef-0123456789ab", tusd.MetaData{metaOwner: owner})
	mk(owner+"-0123456789abcdef-ffffffffffff", tusd.MetaData{"digest": "x"})
	as := func(id string) context.Context { return context.WithValue(ctx, terminalKey{}, Terminal{ID: id}) }

	if _, err := s.GetUpload(as(owner), owner+"-0123456789abcdef-0123456789ab"); err != nil {
		t.Fatalf("the owner's own upload: %v", err)
	}
	for _, c := range []struct {
		ctx  context.Context
		id   string
		what string
	}{
		{as(other), owner + "-0123456789abcdef-0123456789ab", "another terminal"},
		{ctx, owner + "-0123456789abcdef-0123456789ab", "no terminal"},
		{as(owner), owner + "-0123456789abcdef-ffffffffffff", "an upload without a recorded owner"},
	} {
		_, err := s.GetUpload(c.ctx, c.id)
		var te tusd.Error
		if !errors.As(err, &te) || te.HTTPResponse.StatusCode != http.StatusForbidden || te.ErrorCode != protocol.CodeWrongTerminal {
			t.Errorf("%s: %v, want a %s refusal", c.what, err, protocol.CodeWrongTerminal)
		}
	}
}

func TestUploadIDForm(t *testing.T) {
	good := "k0123456789abcdef-0123456789abcdef-0123456789ab"
	if !uploadID.MatchString(good) {
		t.Fatalf("%s refused", good)
	}
	for _, bad := range []string{"", good + "/", "/" + good, good + "/x", "K0123456789abcdef-0123456789abcdef-0123456789ab",
		"k0123456789abcdef-0123456789abcdef-0123456789a", "k0123456789abcdef-/../0123456789abcdef-0123456789ab",
		"k0123456789abcdef-0123456789ABCDEF-0123456789ab", good + "\n", "k0123456789abcdef%2F0123456789abcdef-0123456789ab"} {
		if uploadID.MatchString(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
