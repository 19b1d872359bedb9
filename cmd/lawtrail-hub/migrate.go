package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"time"

	"lawtrail/hub"
)

const migrateUsage = `usage: lawtrail-hub --data DIR migrate --to-db URL [--to-blobs SPEC]

Copies the embedded hub in DIR (hub.db and its footage folder, or --blobs) to the PostgreSQL
database URL and, with --to-blobs, its footage to SPEC (an s3://BUCKET?… spec or a folder);
without --to-blobs the footage stays where it is. Stop the hub first: the copy holds hub.db's
write lock, and what a hub still serving accepts after it is not copied.

A killed run is resumed by running it again; a database holding another hub's log is refused.
At the end the migrated hub is checked and its log root compared with the embedded one's.
The hub key, TLS certificate and hub.json stay in DIR: run the hub afterwards with
  lawtrail-hub --data DIR --db URL [--blobs SPEC] serve …
and keep hub.db as the backup of the moment (docs/OPERATIONS.md).
`

// cmdMigrate moves an embedded hub to PostgreSQL (and S3):
// `lawtrail-hub --data DIR migrate --to-db URL [--to-blobs SPEC]`.
func cmdMigrate(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, migrateUsage) }
	toDB := fs.String("to-db", "", "the destination PostgreSQL database's URL (required)")
	toBlobs := fs.String("to-blobs", "", "the destination footage store: s3://BUCKET?… or a folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *toDB == "":
		return errors.New("--to-db URL is required (the PostgreSQL database to move the record to)")
	case !hub.IsDatabaseURL(*toDB):
		return errors.New("--to-db wants a postgres:// or postgresql:// URL")
	case e.db != "":
		return errors.New("migrate moves an embedded hub (hub.db in --data): name the destination with --to-db, not --db")
	}
	pass, err := passphrase(e)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := hub.Migrate(ctx, dir, pass, hub.MigrateOptions{FromBlobs: e.blobs, ToDB: *toDB, ToBlobs: *toBlobs,
		Progress: migrateProgress(e)})
	if !rep.Check.OK() {
		for _, p := range rep.Check.Problems {
			fmt.Fprintf(e.stdout, "BROKEN %s\n", p)
		}
		fmt.Fprintln(e.stderr, "lawtrail-hub migrate:", err)
		return errProblems
	}
	if err != nil {
		return err
	}
	var rows, copied int64
	for _, t := range rep.Tables {
		fmt.Fprintf(e.stdout, "table %-28s %8d rows (%d copied now)\n", t.Name, t.Rows, t.Copied)
		rows += t.Rows
		copied += t.Copied
	}
	fmt.Fprintf(e.stdout, "rows %d (%d copied now) in %v\n", rows, copied, rep.RowsTime.Round(time.Millisecond))
	if *toBlobs != "" {
		fmt.Fprintf(e.stdout, "blobs %d, %d bytes (%d blobs, %d bytes copied now) in %v\n", rep.Blobs, rep.Bytes,
			rep.BlobsCopied, rep.BytesCopied, rep.BlobsTime.Round(time.Millisecond))
	} else {
		fmt.Fprintln(e.stdout, "blobs not copied: the footage stays where it is")
	}
	fmt.Fprintf(e.stdout, "ok: check passed; log size %d, root %s, as the embedded hub's (%v)\n", rep.Size, hex.EncodeToString(rep.Root),
		time.Since(start).Round(time.Millisecond))
	blobsFlag := ""
	switch {
	case *toBlobs != "":
		blobsFlag = " --blobs SPEC"
	case e.blobs != "":
		blobsFlag = " --blobs " + e.blobs
	}
	fmt.Fprintf(e.stdout, "run the hub with: lawtrail-hub --data %s --db URL%s serve …\n", dir, blobsFlag)
	return nil
}

// migrateProgress prints where the copy stands on standard error: when
// the first blob is copied, and once a second.
func migrateProgress(e env) func(hub.MigrateProgress) {
	last := time.Now()
	return func(p hub.MigrateProgress) {
		if (p.Table == "" && p.Blobs == 1) || time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(e.stderr, "migrate: %d rows copied (%s), %d blobs, %d bytes\n", p.Rows, p.Table, p.Blobs, p.Bytes)
		}
	}
}
