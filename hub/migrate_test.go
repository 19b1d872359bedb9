package hub_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/hubtest"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
	"lawtrail/terminal"
)

const hubPassphrase = "hub passphrase" // hubtest's

// embeddedRecord is newRecord on SQLite and a folder whatever the test
// environment says (LAWTRAIL_TEST_HUB_DB, LAWTRAIL_TEST_HUB_BLOBS): the
// hub a migration starts from. extraCases more cases and extraFootage
// recordings of footageSize bytes each are recorded and synced on top.
func embeddedRecord(t *testing.T, extraCases, extraFootage, footageSize int) *record {
	t.Helper()
	t.Setenv(postgrestest.EngineEnv, "")
	t.Setenv(s3test.BlobsEnv, "")
	r := newRecord(t)
	for i := range extraCases {
		openCase(t, r.officer, terminal.NewCase{Number: fmt.Sprintf("示市监检〔2026〕%d号", 100+i), Title: "日常检查", Act: casework.ActInspection})
	}
	for i := range extraFootage {
		start := time.Date(2026, 11, 21, 9, i, 0, 0, casework.Shanghai)
		content := strings.Repeat(fmt.Sprintf("recording %d ", i), footageSize/12+1)[:footageSize]
		dockRecording(t, r.f, content, start, start.Add(30*time.Second))
	}
	r.sync(t, r.f)
	if err := r.hub.AddWebUser(context.Background(), hub.NewWebUser{Name: "chen.sj", Role: hub.WebSupervisor,
		Password: []byte("a long enough password"), KDF: hubtest.FastKDF}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.hub.WebSignIn(context.Background(), "chen.sj", []byte("a long enough password")); err != nil {
		t.Fatal(err) // a session: web_sessions references web_users, copied after it
	}
	for range 3 { // console views, whose ids PostgreSQL numbers by an identity column
		if _, err := r.hub.InsiderExec(context.Background(), "INSERT INTO web_views (at, name, role, scope, path) VALUES (?, ?, ?, ?, ?)",
			"2026-12-09T10:00:00Z", "chen.sj", "supervisor", "", "/console/"); err != nil {
			t.Fatal(err)
		}
	}
	if p := r.check(t); len(p) > 0 {
		t.Fatalf("the embedded hub's check: %v", p)
	}
	return r
}

// latest is h's newest checkpoint, read as an insider.
func latest(t *testing.T, h *hub.Hub) protocol.Checkpoint {
	t.Helper()
	var body string
	if err := h.InsiderQueryRow(context.Background(), "SELECT body FROM checkpoints ORDER BY size DESC LIMIT 1").Scan(&body); err != nil {
		t.Fatal(err)
	}
	var cp protocol.Checkpoint
	if err := json.Unmarshal([]byte(body), &cp); err != nil {
		t.Fatal(err)
	}
	return cp
}

// tableCounts counts the rows of every table of src's SQLite schema, in
// src and in dst.
func tableCounts(t *testing.T, src, dst *hub.Hub) (srcCounts, dstCounts map[string]int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := src.InsiderQuery(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	srcCounts, dstCounts = map[string]int64{}, map[string]int64{}
	for _, name := range tables {
		var a, b int64
		if err := src.InsiderQueryRow(ctx, "SELECT count(*) FROM "+name).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := dst.InsiderQueryRow(ctx, "SELECT count(*) FROM "+name).Scan(&b); err != nil {
			t.Fatalf("table %s on PostgreSQL: %v", name, err)
		}
		srcCounts[name], dstCounts[name] = a, b
	}
	return srcCounts, dstCounts
}

// serveHub serves h's sync handler on a loopback port until the test
// ends, and returns its address.
func serveHub(t *testing.T, h *hub.Hub) string {
	t.Helper()
	handler, err := server.New(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(l, h.TLSConfig()))
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// An embedded hub with events, receipts, footage, a read model with
// publications and a console account moves to PostgreSQL and S3: a first
// run cancelled midway through the rows, a second midway through the
// blobs, a third completes, copying only what the others left; every
// table holds the source's rows, check passes, the root is the source's,
// and the migrated hub serves the same terminal, which proves the log it
// knew continues there.
func TestMigrateToPostgresAndS3(t *testing.T) {
	r := embeddedRecord(t, 300, 6, 3<<20)
	ctx := context.Background()
	dir := r.hub.DataDir()
	want := latest(t, r.hub)
	dbURL := postgrestest.Start(t)
	s3 := s3test.Start(t)
	s3.SetEnv(t)
	spec := s3.Spec("migrated")

	cut, cancel := context.WithCancel(ctx)
	_, err := hub.Migrate(cut, dir, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL, ToBlobs: spec, BatchRows: 50,
		Progress: func(p hub.MigrateProgress) {
			if p.Rows >= 200 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a run cancelled after 200 rows: %v", err)
	}
	cut, cancel = context.WithCancel(ctx)
	rep, err := hub.Migrate(cut, dir, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL, ToBlobs: spec,
		Progress: func(p hub.MigrateProgress) {
			if p.Blobs >= 2 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a run cancelled after 2 blobs: %v", err)
	}
	var copiedSecond int64
	for _, tb := range rep.Tables {
		copiedSecond += tb.Copied
	}

	start := time.Now()
	rep, err = hub.Migrate(ctx, dir, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL, ToBlobs: spec})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("third run: %v; blobs %d (%d copied, %d bytes copied)", time.Since(start), rep.Blobs, rep.BlobsCopied, rep.BytesCopied)
	var rows, copiedThird int64
	for _, tb := range rep.Tables {
		rows += tb.Rows
		copiedThird += tb.Copied
	}
	if copiedThird != 0 {
		t.Errorf("the third run copied %d rows; the second should have left none", copiedThird)
	}
	if rep.Blobs != 7 || rep.BlobsCopied == 0 || rep.BlobsCopied >= rep.Blobs {
		t.Errorf("blobs: %d held, %d copied by the third run; want 7, some copied before", rep.Blobs, rep.BlobsCopied)
	}
	if rep.Size != want.Size || !bytes.Equal(rep.Root, want.Root) || !rep.Check.OK() {
		t.Fatalf("migrated log %d %x (check %v), want %d %x", rep.Size, rep.Root, rep.Check.Problems, want.Size, want.Root)
	}
	t.Logf("%d rows copied by the second run (%d rows in all)", copiedSecond, rows)

	// A fresh run, timed: rows per second and MiB per second.
	db2, s3spec2 := postgrestest.Start(t), s3.Spec("timed")
	full, err := hub.Migrate(ctx, dir, []byte(hubPassphrase), hub.MigrateOptions{ToDB: db2, ToBlobs: s3spec2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a whole migration: %d rows in %v (%.0f rows/s), %d blobs, %.1f MiB in %v (%.1f MiB/s)", rows, full.RowsTime,
		float64(rows)/full.RowsTime.Seconds(), full.BlobsCopied, float64(full.BytesCopied)/(1<<20), full.BlobsTime,
		float64(full.BytesCopied)/(1<<20)/full.BlobsTime.Seconds())

	h, err := hub.Open(ctx, dir, []byte(hubPassphrase), hub.Options{DB: dbURL, Blobs: spec})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	src, dst := tableCounts(t, r.hub, h)
	for name, n := range src {
		if dst[name] != n {
			t.Errorf("table %s: %d rows on PostgreSQL, %d on SQLite", name, dst[name], n)
		}
	}
	for _, name := range []string{"events", "receipts", "blobs", "rm_publications", "rm_footage", "web_users", "web_sessions", "web_views", "checkpoints"} {
		if src[name] == 0 {
			t.Errorf("the embedded hub has no %s: the test proves nothing for them", name)
		}
	}
	// The identity column goes on past the copied ids.
	if _, err := h.InsiderExec(ctx, "INSERT INTO web_views (at, name, role, scope, path) VALUES (?, ?, ?, ?, ?)",
		"2026-12-09T11:00:00Z", "chen.sj", "supervisor", "", "/console/"); err != nil {
		t.Fatalf("a console view on the migrated hub: %v", err)
	}
	if got := latest(t, h); got.Size != want.Size || !bytes.Equal(got.Root, want.Root) {
		t.Fatalf("the migrated hub's checkpoint %d %x, want %d %x", got.Size, got.Root, want.Size, want.Root)
	}
	if _, found, err := h.Blobs().Stat(ctx, r.footage); err != nil || !found {
		t.Fatalf("the footage is not in the bucket: %v %v", found, err)
	}

	// The migrated hub serves the terminal that synced with the embedded
	// one: it proves its new checkpoint consistent with the one the
	// terminal holds, and check passes after.
	addr := serveHub(t, h)
	openCase(t, r.officer, terminal.NewCase{Number: "示市监检〔2026〕999号", Title: "迁移后", Act: casework.ActInspection})
	c, err := r.f.Desk.SyncClient(ctx, client.Options{Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Once(ctx); err != nil {
		t.Fatalf("sync with the migrated hub: %v", err)
	}
	if got := latest(t, h); got.Size <= want.Size {
		t.Fatalf("the migrated hub's log did not grow: %d", got.Size)
	}
	rc, err := h.Check(ctx)
	if err != nil || !rc.OK() {
		t.Fatalf("check after serving: %v %v", rc.Problems, err)
	}
}

// A destination holding another hub's log is refused before anything is
// written; a bad URL or spec is a clear error that repeats no secret.
func TestMigrateRefusesAnotherLogAndBadTargets(t *testing.T) {
	ctx := context.Background()
	t.Setenv(postgrestest.EngineEnv, "")
	t.Setenv(s3test.BlobsEnv, "")
	small := func() string {
		th := hubtest.Start(t)
		f := joined(t, th, otherAgency)
		openCase(t, f.Admin, terminal.NewCase{Number: "示交罚〔2026〕1号", Title: "超限运输"})
		c, err := f.Desk.SyncClient(ctx, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Once(ctx); err != nil {
			t.Fatal(err)
		}
		return th.DataDir()
	}
	a, b := small(), small()
	dbURL := postgrestest.Start(t)
	if _, err := hub.Migrate(ctx, a, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL}); err != nil {
		t.Fatal(err)
	}
	_, err := hub.Migrate(ctx, b, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL})
	if !errors.Is(err, hub.ErrAnotherLog) {
		t.Fatalf("another hub's log: %v, want ErrAnotherLog", err)
	}
	// a's record is still whole there.
	if _, err := hub.Migrate(ctx, a, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL}); err != nil {
		t.Fatalf("a again after b was refused: %v", err)
	}

	const secret = "s3cr3t-pw-9f2a"
	for name, opt := range map[string]hub.MigrateOptions{
		"not postgres":     {ToDB: "mysql://root:" + secret + "@127.0.0.1/x"},
		"no server":        {ToDB: "postgres://u:" + secret + "@127.0.0.1:1/x?connect_timeout=2"},
		"malformed":        {ToDB: "postgres://u:" + secret + "@[::1/x"},
		"s3 with a secret": {ToDB: dbURL, ToBlobs: "s3://AKIAEXAMPLE:" + secret + "@footage?endpoint=127.0.0.1:1"},
		"unknown scheme":   {ToDB: dbURL, ToBlobs: "gs://" + secret + "@footage"},
	} {
		_, err := hub.Migrate(ctx, a, []byte(hubPassphrase), opt)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}
