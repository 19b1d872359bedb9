package hub_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/blobstore"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/postgrestest"
)

// The backup and restore procedures of docs/OPERATIONS.md ("Backing up
// and restoring a hub"), run with the operator's tools.

const pgBin = "/usr/lib/postgresql/15/bin/" // make deps installs postgresql-15

func command(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// restoredClean opens the hub in dir with opt, checks it and compares its
// newest checkpoint with want's.
func restoredClean(t *testing.T, dir string, opt hub.Options, want *hub.Hub) {
	t.Helper()
	h, err := hub.Open(context.Background(), dir, []byte(hubPassphrase), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rep, err := h.Check(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("check of the restored hub: %v %v", rep.Problems, err)
	}
	a, b := latest(t, want), latest(t, h)
	if a.Size != b.Size || !bytes.Equal(a.Root, b.Root) {
		t.Fatalf("restored log %d %x, want %d %x", b.Size, b.Root, a.Size, a.Root)
	}
	sa, _ := want.Stats(context.Background())
	sb, _ := h.Stats(context.Background())
	if sa != sb || sa.Blobs == 0 {
		t.Fatalf("restored stats %+v, want %+v", sb, sa)
	}
}

// An embedded hub, while it is open: sqlite3's .backup of hub.db, then a
// copy of the data folder (key, certificate, hub.json, blobs) beside it;
// restored into a new folder, check passes and the root is the same.
func TestBackupRestoreEmbedded(t *testing.T) {
	r := embeddedRecord(t, 20, 2, 1<<20)
	dir := r.hub.DataDir()
	backup := t.TempDir()
	command(t, "sqlite3", filepath.Join(dir, "hub.db"), ".backup '"+filepath.Join(backup, "hub.db")+"'")
	for _, sub := range []string{"keys", "tls", "blobs"} {
		command(t, "cp", "-a", filepath.Join(dir, sub), filepath.Join(backup, sub))
	}
	restored := filepath.Join(t.TempDir(), "hub")
	command(t, "cp", "-a", backup, restored)
	if _, err := os.Stat(filepath.Join(restored, "hub.db-wal")); err == nil {
		t.Fatal("the backup carries a WAL file")
	}
	restoredClean(t, restored, hub.Options{}, r.hub)
}

// A hub on PostgreSQL and S3: pg_dump -Fc of its database and a copy of
// the bucket's blobs/ (List, Open, Put into another prefix, as a mirror
// tool would copy the objects); restored with pg_restore into a fresh
// database, check passes on the restored record and objects, same root.
func TestBackupRestorePostgresS3(t *testing.T) {
	ctx := context.Background()
	r := embeddedRecord(t, 20, 2, 1<<20)
	dir := r.hub.DataDir()
	dbURL := postgrestest.Start(t)
	s3 := s3test.Start(t)
	s3.SetEnv(t)
	live := s3.Spec("live")
	if _, err := hub.Migrate(ctx, dir, []byte(hubPassphrase), hub.MigrateOptions{ToDB: dbURL, ToBlobs: live}); err != nil {
		t.Fatal(err)
	}
	h, err := hub.Open(ctx, dir, []byte(hubPassphrase), hub.Options{DB: dbURL, Blobs: live})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	dump := filepath.Join(t.TempDir(), "hub.dump")
	command(t, pgBin+"pg_dump", "-Fc", "--no-owner", "-f", dump, "-d", dbURL)
	copied := s3.Spec("restored")
	mirrorBlobs(t, live, copied)

	fresh := postgrestest.Start(t)
	command(t, pgBin+"pg_restore", "--no-owner", "--exit-on-error", "-d", fresh, dump)
	restoredClean(t, dir, hub.Options{DB: fresh, Blobs: copied}, h)
}

// mirrorBlobs copies every blob of the store from to the store to.
func mirrorBlobs(t *testing.T, from, to string) {
	t.Helper()
	ctx := context.Background()
	src, err := blobstore.Open(ctx, from, "")
	if err != nil {
		t.Fatal(err)
	}
	dst, err := blobstore.Open(ctx, to, "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := src.List(ctx, func(d evidence.Digest, size int64) error {
		b, err := src.Open(ctx, d)
		if err != nil {
			return err
		}
		defer b.Close()
		n++
		_, err = dst.Put(ctx, d, b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no blob to copy")
	}
}
