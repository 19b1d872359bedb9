// Package mtp is a PTP/MTP initiator in pure Go: the container format,
// the session, and the operations a docking station needs (device info,
// storages, object handles and info, whole and partial object reads,
// delete), over a small Transport (bulk in, bulk out) so it is tested with
// in-memory responders and needs no cgo. An MTP recorder becomes a
// device.Source, so the ingest pipeline needs no change.
package mtp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Container types (PTP 1.1, 9.3).
const (
	typeCommand  = 1
	typeData     = 2
	typeResponse = 3
)

// Operation codes used here.
const (
	OpGetDeviceInfo      = 0x1001
	OpOpenSession        = 0x1002
	OpCloseSession       = 0x1003
	OpGetStorageIDs      = 0x1004
	OpGetObjectHandles   = 0x1007
	OpGetObjectInfo      = 0x1008
	OpGetObject          = 0x1009
	OpDeleteObject       = 0x100B
	OpGetPartialObject   = 0x101B
	OpGetObjectPropValue = 0x9803 // MTP
	OpGetPartialObject64 = 0x95C1 // Android extension: 64-bit offset
)

// Response codes.
const (
	RespOK                 = 0x2001
	RespSessionNotOpen     = 0x2003
	RespInvalidObject      = 0x2009
	RespSessionAlreadyOpen = 0x201E
)

// PropObjectSize is the MTP property holding a 64-bit object size.
const PropObjectSize = 0xDC04

const headerSize = 12

// Transport moves USB bulk transfers. BulkIn reads one transfer (a short
// read ends a container's data); a zero-length read is a zero-length
// packet.
type Transport interface {
	BulkOut(ctx context.Context, p []byte) error
	BulkIn(ctx context.Context, buf []byte) (int, error)
	// PacketSize is the bulk endpoints' max packet size (512 at high speed).
	PacketSize() int
}

// ResponseError is a response other than OK.
type ResponseError struct {
	Op, Code uint16
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("mtp operation 0x%04x: response 0x%04x", e.Op, e.Code)
}

// ErrProtocol marks a container that breaks the protocol.
var ErrProtocol = errors.New("mtp protocol error")

func encodeCommand(code uint16, tid uint32, params []uint32) []byte {
	b := make([]byte, headerSize+4*len(params))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:], typeCommand)
	binary.LittleEndian.PutUint16(b[6:], code)
	binary.LittleEndian.PutUint32(b[8:], tid)
	for i, p := range params {
		binary.LittleEndian.PutUint32(b[headerSize+4*i:], p)
	}
	return b
}

type header struct {
	length uint32
	typ    uint16
	code   uint16
	tid    uint32
}

func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("%w: container of %d bytes", ErrProtocol, len(b))
	}
	h := header{binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]), binary.LittleEndian.Uint32(b[8:])}
	if h.length < headerSize {
		return h, fmt.Errorf("%w: container length %d", ErrProtocol, h.length)
	}
	return h, nil
}

// reader streams the containers the responder sends, transfer by transfer.
type reader struct {
	t      Transport
	buf    []byte
	packet int
}

func newReader(t Transport) *reader {
	return &reader{t: t, buf: make([]byte, 64*1024), packet: t.PacketSize()}
}

// readContainer reads one container; data payloads go to w as they arrive
// (a container split over many transfers; a length of 0xFFFFFFFF, for
// objects over 4 GiB, read until a short transfer; zero-length packets
// skipped).
func (r *reader) readContainer(ctx context.Context, w io.Writer) (header, []byte, error) {
	n, err := r.t.BulkIn(ctx, r.buf)
	for zlp := 0; err == nil && n == 0 && zlp < 4; zlp++ {
		// A zero-length packet that ended the previous transfer (a payload
		// filling whole packets) may arrive as its own read: skip it.
		n, err = r.t.BulkIn(ctx, r.buf)
	}
	if err != nil {
		return header{}, nil, err
	}
	h, err := parseHeader(r.buf[:n])
	if err != nil {
		return h, nil, err
	}
	if h.typ != typeData {
		if int(h.length) != n {
			return h, nil, fmt.Errorf("%w: response of %d bytes says %d", ErrProtocol, n, h.length)
		}
		return h, append([]byte(nil), r.buf[headerSize:n]...), nil
	}
	unbounded := h.length == 0xFFFFFFFF
	got := uint64(n)
	if _, err := w.Write(r.buf[headerSize:n]); err != nil {
		return h, nil, err
	}
	last := n
	for unbounded || got < uint64(h.length) {
		if unbounded && last < r.packet {
			break // a short transfer ends data of unknown length
		}
		m, err := r.t.BulkIn(ctx, r.buf)
		if err != nil {
			return h, nil, err
		}
		if m == 0 {
			if unbounded {
				break
			}
			return h, nil, fmt.Errorf("%w: data ended at %d of %d bytes", ErrProtocol, got, h.length)
		}
		if !unbounded && got+uint64(m) > uint64(h.length) {
			return h, nil, fmt.Errorf("%w: %d bytes more than the container's %d", ErrProtocol, got+uint64(m)-uint64(h.length), h.length)
		}
		if _, err := w.Write(r.buf[:m]); err != nil {
			return h, nil, err
		}
		got += uint64(m)
		last = m
	}
	return h, nil, nil
}
