// Package ingest is the docking pipeline. For every file of a recorder it
// reads, hashes and writes in parallel stages, fsyncs, re-reads the copy
// from disk to verify it, moves it into the blob store, records a signed
// custody event, and only then — if the agency's clear policy allows it and
// the recorder's file is unchanged — removes it from the recorder, itself a
// signed event. Docking again resumes: finished files are skipped, a partly
// copied file continues from its last durable offset. Several recorders run
// at once, each in its own worker, under one global limit on concurrent
// copies; progress is a stream of typed updates that the UI and the CLI
// both read.
package ingest
