// Package ingest is the docking pipeline: it copies every file of a
// recorder while hashing it, fsyncs, moves it into the blob store, verifies
// the copy by re-reading it, records a signed custody event, and only then
// may clear the recorder, with progress reported as a typed stream and every
// step resumable.
//
// The docking issue fills this package; until then it holds only this map.
package ingest
