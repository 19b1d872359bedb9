package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	expslog "golang.org/x/exp/slog"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// newTus builds the tusd handler for /v1/blobs/. Creating an upload needs
// the digest (metadata "digest") that an accepted event of the terminal
// names; finishing one re-hashes the bytes against it before the hub keeps
// them and signs a receipt (tusd's stores neither fsync nor check). The
// store and its locker are the backend's (Backend.Uploads).
func (h *Handler) newTus() (http.Handler, error) {
	uploads, err := h.backend.Uploads()
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	composer := tusd.NewStoreComposer()
	// The backend's store and its locker: without a lock two requests for
	// one upload (a stale connection still delivering, and the resumed
	// one, perhaps on another hub process) would append to it at once.
	uploads.UseIn(composer)
	if !composer.UsesLocker {
		return nil, errors.New("uploads: the backend's upload store brings no locker")
	}
	composer.UseCore(ownedStore{composer.Core})
	th, err := tusd.NewHandler(tusd.Config{
		BasePath:             protocol.PathBlobs,
		StoreComposer:        composer,
		MaxSize:              protocol.MaxBlobSize,
		DisableDownload:      true,
		DisableTermination:   true,
		DisableConcatenation: true,
		Cors:                 &tusd.CorsConfig{Disable: true},
		NetworkTimeout:       h.opt.StallTimeout, // extended with every body read: a stall is cut, a slow body is not
		// A request for an upload another hub process is writing waits for
		// it (the backend's locker does not reach into other processes):
		// long enough for that request to be cut if it stalled.
		AcquireLockTimeout:        h.opt.StallTimeout + 5*time.Second,
		PreUploadCreateCallback:   h.preCreate,
		PreFinishResponseCallback: h.preFinish,
		Logger:                    expslog.New(expslog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, fmt.Errorf("tus handler: %w", err)
	}
	return http.StripPrefix(protocol.PathBlobs, th), nil
}

func tusRefusal(status int, code, msg string) (tusd.HTTPResponse, error) {
	return tusd.HTTPResponse{}, tusd.NewError(code, msg, status)
}

func (h *Handler) preCreate(ev tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	terminal := ev.HTTPRequest.Header.Get(terminalHeader)
	d, err := evidence.ParseDigest(ev.Upload.MetaData["digest"])
	if err != nil {
		resp, err := tusRefusal(http.StatusBadRequest, protocol.CodeMalformed, "metadata digest: "+err.Error())
		return resp, tusd.FileInfoChanges{}, err
	}
	if ev.Upload.SizeIsDeferred || ev.Upload.Size < 0 {
		resp, err := tusRefusal(http.StatusBadRequest, protocol.CodeMalformed, "Upload-Length is required")
		return resp, tusd.FileInfoChanges{}, err
	}
	named, held, err := h.backend.BlobNamed(ev.Context, terminal, d)
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, err
	}
	if !named {
		resp, err := tusRefusal(http.StatusUnprocessableEntity, protocol.CodeUnnamedBlob,
			"no accepted event of "+terminal+" names "+d.String())
		return resp, tusd.FileInfoChanges{}, err
	}
	if held {
		// The same bytes came from another terminal (a clip docked twice):
		// this terminal gets its own receipt and sends nothing.
		if _, _, err := h.backend.GrantHeldReceipt(ev.Context, terminal, d, ev.Upload.Size); err != nil {
			resp, err := tusRefusal(http.StatusBadRequest, protocol.CodeMalformed, err.Error())
			return resp, tusd.FileInfoChanges{}, err
		}
		resp, err := tusRefusal(http.StatusConflict, protocol.CodeAlreadyReceived, d.String()+" is held already; ask for its receipt")
		return resp, tusd.FileInfoChanges{}, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	// The metadata is replaced, not merged: only the hub writes the owner.
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{
		ID:       terminal + "-" + d.String()[:16] + "-" + hex.EncodeToString(suffix),
		MetaData: tusd.MetaData{"digest": d.String(), metaOwner: terminal},
	}, nil
}

// uploadID is the only upload id form the hub issues (see preCreate):
// terminal id, the digest's first 16 hex digits, 12 random hex digits.
var uploadID = regexp.MustCompile(`^k[0-9a-f]{16}-[0-9a-f]{16}-[0-9a-f]{12}$`)

// metaOwner is the upload metadata key naming the terminal that created
// the upload (set by the hub at creation, whatever the client sent).
const metaOwner = "terminal"

// ownedStore is tusd's store with every upload lookup checked against the
// asking terminal: an upload is found only by the terminal recorded as its
// owner when the hub created it. The check runs on the upload tusd
// resolved, so no spelling of its path can reach another terminal's.
type ownedStore struct{ tusd.DataStore }

func (s ownedStore) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	up, err := s.DataStore.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		return nil, err
	}
	if info.ID != id { // a store that resolved the id to another upload
		return nil, tusd.ErrNotFound
	}
	t, ok := ctx.Value(terminalKey{}).(Terminal)
	if !ok || info.MetaData[metaOwner] == "" || info.MetaData[metaOwner] != t.ID {
		return nil, tusd.NewError(protocol.CodeWrongTerminal, "this upload is not this terminal's", http.StatusForbidden)
	}
	return up, nil
}

func (h *Handler) preFinish(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
	terminal := ev.HTTPRequest.Header.Get(terminalHeader)
	d, err := evidence.ParseDigest(ev.Upload.MetaData["digest"])
	if err != nil {
		return tusRefusal(http.StatusBadRequest, protocol.CodeMalformed, "metadata digest: "+err.Error())
	}
	_, err = h.backend.StoreUpload(ev.Context, terminal, d, ev.Upload.ID)
	if errors.Is(err, ErrDigestMismatch) {
		return tusRefusal(http.StatusUnprocessableEntity, protocol.CodeDigestMismatch,
			"the uploaded bytes do not hash to "+d.String()+"; upload again")
	}
	if err != nil {
		return tusd.HTTPResponse{}, err
	}
	return tusd.HTTPResponse{}, nil
}

// internalHidden passes tusd's answers on, except a 5xx one: tusd writes a
// failing store's own words there (an object store's address, bucket and
// operation; a file path), which are the hub operator's to read, not a
// terminal's. The terminal gets internalMessage as a protocol error; the
// words are kept (the first maxHiddenDetail bytes) for the hub's log.
type internalHidden struct {
	http.ResponseWriter
	status int
	detail bytes.Buffer
}

// maxHiddenDetail bounds what a hidden answer keeps for the log.
const maxHiddenDetail = 4 << 10

func (w *internalHidden) WriteHeader(code int) {
	if code < 200 || w.status != 0 { // 1xx pass; a second status is net/http's to refuse
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	if code < 500 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	w.ResponseWriter.WriteHeader(code)
	_ = json.NewEncoder(w.ResponseWriter).Encode(&protocol.Error{Code: protocol.CodeInternal, Message: internalMessage})
}

func (w *internalHidden) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status < 500 {
		return w.ResponseWriter.Write(p)
	}
	if room := maxHiddenDetail - w.detail.Len(); room > 0 {
		w.detail.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *internalHidden) Unwrap() http.ResponseWriter { return w.ResponseWriter }
