// Package mtptest is an MTP responder for tests, as net/http/httptest is a
// server for HTTP clients: it serves an fs.FS as one storage of a
// recorder. Memory wraps it in an in-memory bulk transport that splits
// answers into USB-like transfers; the QEMU guest serves it over
// FunctionFS endpoints. It implements what device/mtp asks: device info,
// storages, object handles and info, the 64-bit size property, whole and
// partial reads (32- and 64-bit offsets) and delete.
package mtptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"sync"
	"unicode/utf16"
)

// Operation and response codes (PTP 1.1, MTP 1.1, Android).
const (
	opGetDeviceInfo      = 0x1001
	opOpenSession        = 0x1002
	opCloseSession       = 0x1003
	opGetStorageIDs      = 0x1004
	opGetObjectHandles   = 0x1007
	opGetObjectInfo      = 0x1008
	opGetObject          = 0x1009
	opDeleteObject       = 0x100B
	opGetPartialObject   = 0x101B
	opGetObjectPropValue = 0x9803
	opGetPartialObject64 = 0x95C1

	RespOK                   = 0x2001
	RespGeneralError         = 0x2002
	RespOperationUnsupported = 0x2005
	RespInvalidObject        = 0x2009
	RespAccessDenied         = 0x200F
	RespInvalidParameter     = 0x201D

	propObjectSize    = 0xDC04
	formatAssociation = 0x3001
	formatUndefined   = 0x3000

	// Storage is the one storage's id.
	Storage = 0x00010001
)

// Container types.
const (
	TypeCommand  = 1
	TypeData     = 2
	TypeResponse = 3
)

// Responder answers MTP commands from the files of FS.
type Responder struct {
	FS                          fs.FS
	Manufacturer, Model, Serial string
	// Remove deletes a file (DeleteObject); nil refuses with AccessDenied.
	Remove func(name string) error

	mu      sync.Mutex
	names   map[uint32]string // handle → path in FS
	handles map[string]uint32
}

// Reply is the answer to one command: a data phase (when HasData) of Size
// bytes from Data, then the response.
type Reply struct {
	Op      uint16
	TID     uint32
	HasData bool
	Data    io.ReadCloser
	Size    int64
	Code    uint16
}

func (r *Responder) handle(name string) uint32 {
	if r.handles == nil {
		r.names, r.handles = map[uint32]string{}, map[string]uint32{}
	}
	if h, ok := r.handles[name]; ok {
		return h
	}
	h := uint32(len(r.handles) + 1)
	r.handles[name], r.names[h] = h, name
	return h
}

// Answer runs one command container.
func (r *Responder) Answer(cmd []byte) Reply {
	if len(cmd) < 12 || binary.LittleEndian.Uint16(cmd[4:]) != TypeCommand {
		return Reply{Code: RespInvalidParameter}
	}
	rep := Reply{Op: binary.LittleEndian.Uint16(cmd[6:]), TID: binary.LittleEndian.Uint32(cmd[8:]), Code: RespOK}
	param := func(i int) uint32 {
		if 12+4*i+4 <= len(cmd) {
			return binary.LittleEndian.Uint32(cmd[12+4*i:])
		}
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	data := func(b []byte) {
		rep.HasData, rep.Data, rep.Size = true, io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	switch rep.Op {
	case opOpenSession, opCloseSession:
	case opGetDeviceInfo:
		data(r.deviceInfo())
	case opGetStorageIDs:
		data(le32(le32(nil, 1), Storage))
	case opGetObjectHandles:
		hs, code := r.children(param(2))
		if code != RespOK {
			rep.Code = code
			break
		}
		b := le32(nil, uint32(len(hs)))
		for _, h := range hs {
			b = le32(b, h)
		}
		data(b)
	case opGetObjectInfo:
		st, code := r.stat(param(0))
		if code != RespOK {
			rep.Code = code
			break
		}
		data(r.objectInfo(param(0), st))
	case opGetObjectPropValue:
		st, code := r.stat(param(0))
		switch {
		case code != RespOK:
			rep.Code = code
		case param(1) != propObjectSize:
			rep.Code = RespInvalidParameter
		default:
			data(binary.LittleEndian.AppendUint64(nil, uint64(st.Size())))
		}
	case opGetObject, opGetPartialObject, opGetPartialObject64:
		rep.Code = r.read(&rep, param)
	case opDeleteObject:
		rep.Code = r.delete(param(0))
	default:
		rep.Code = RespOperationUnsupported
	}
	return rep
}

func (r *Responder) deviceInfo() []byte {
	var b []byte
	b = le16(b, 100)
	b = le32(b, 6)
	b = le16(b, 100)
	b = str(b, "microsoft.com: 1.0; android.com: 1.0;")
	b = le16(b, 0)
	ops := []uint16{opGetDeviceInfo, opOpenSession, opCloseSession, opGetStorageIDs, opGetObjectHandles, opGetObjectInfo,
		opGetObject, opDeleteObject, opGetPartialObject, opGetObjectPropValue, opGetPartialObject64}
	b = le32(b, uint32(len(ops)))
	for _, op := range ops {
		b = le16(b, op)
	}
	for range 4 { // events, properties, capture and playback formats
		b = le32(b, 0)
	}
	for _, s := range []string{r.Manufacturer, r.Model, "1.0", r.Serial} {
		b = str(b, s)
	}
	return b
}

// children lists a folder (0 or 0xFFFFFFFF: the root) in name order.
func (r *Responder) children(parent uint32) ([]uint32, uint16) {
	dir := "."
	if parent != 0 && parent != 0xFFFFFFFF {
		name, ok := r.names[parent]
		if !ok {
			return nil, RespInvalidObject
		}
		dir = name
	}
	entries, err := fs.ReadDir(r.FS, dir)
	if err != nil {
		return nil, RespInvalidObject
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var hs []uint32
	for _, e := range entries {
		hs = append(hs, r.handle(path.Join(dir, e.Name())))
	}
	return hs, RespOK
}

func (r *Responder) stat(h uint32) (fs.FileInfo, uint16) {
	name, ok := r.names[h]
	if !ok {
		return nil, RespInvalidObject
	}
	st, err := fs.Stat(r.FS, name)
	if err != nil {
		return nil, RespInvalidObject
	}
	return st, RespOK
}

func (r *Responder) objectInfo(h uint32, st fs.FileInfo) []byte {
	var b []byte
	b = le32(b, Storage)
	format := uint16(formatUndefined)
	if st.IsDir() {
		format = formatAssociation
	}
	b = le16(b, format)
	b = le16(b, 0)
	b = le32(b, uint32(min(st.Size(), 0xFFFFFFFF)))
	b = le16(b, 0)
	for range 6 { // thumbnail size and geometry, image geometry and depth
		b = le32(b, 0)
	}
	parent := uint32(0)
	if dir := path.Dir(r.names[h]); dir != "." {
		parent = r.handles[dir]
	}
	b = le32(b, parent)
	b = le16(b, 0)
	b = le32(b, 0)
	b = le32(b, 0)
	b = str(b, path.Base(r.names[h]))
	date := st.ModTime().UTC().Format("20060102T150405Z")
	return str(str(str(b, date), date), "")
}

// read opens the object's bytes for GetObject and the partial reads.
func (r *Responder) read(rep *Reply, param func(int) uint32) uint16 {
	st, code := r.stat(param(0))
	if code != RespOK {
		return code
	}
	if st.IsDir() {
		return RespInvalidObject
	}
	off, n := int64(0), st.Size()
	switch rep.Op {
	case opGetPartialObject:
		off, n = int64(param(1)), int64(param(2))
	case opGetPartialObject64:
		off, n = int64(param(1))|int64(param(2))<<32, int64(param(3))
	}
	n = max(0, min(n, st.Size()-off))
	f, err := r.FS.Open(r.names[param(0)])
	if err != nil {
		return RespGeneralError
	}
	var src io.Reader
	switch v := f.(type) {
	case io.ReaderAt:
		src = io.NewSectionReader(v, off, n)
	case io.Seeker:
		if _, err := v.Seek(off, io.SeekStart); err != nil {
			f.Close()
			return RespGeneralError
		}
		src = io.LimitReader(f, n)
	default:
		if _, err := io.CopyN(io.Discard, f, off); err != nil {
			f.Close()
			return RespGeneralError
		}
		src = io.LimitReader(f, n)
	}
	rep.HasData, rep.Size = true, n
	rep.Data = struct {
		io.Reader
		io.Closer
	}{src, f}
	return RespOK
}

func (r *Responder) delete(h uint32) uint16 {
	name, ok := r.names[h]
	switch {
	case !ok:
		return RespInvalidObject
	case r.Remove == nil:
		return RespAccessDenied
	}
	if err := r.Remove(name); errors.Is(err, fs.ErrNotExist) {
		return RespInvalidObject
	} else if err != nil {
		return RespGeneralError
	}
	delete(r.names, h)
	delete(r.handles, name)
	return RespOK
}

// Header is a container header for a payload of n bytes (0xFFFFFFFF when
// the container would not fit 32 bits).
func Header(typ, code uint16, tid uint32, n int64) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint32(b, uint32(min(12+n, 0xFFFFFFFF)))
	binary.LittleEndian.PutUint16(b[4:], typ)
	binary.LittleEndian.PutUint16(b[6:], code)
	binary.LittleEndian.PutUint32(b[8:], tid)
	return b
}

// Container is a whole container with its payload.
func Container(typ, code uint16, tid uint32, payload []byte) []byte {
	return append(Header(typ, code, tid, int64(len(payload))), payload...)
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

// str is a PTP string: a length byte, UTF-16LE with a terminating zero.
func str(b []byte, s string) []byte {
	if s == "" {
		return append(b, 0)
	}
	u := append(utf16.Encode([]rune(s)), 0)
	b = append(b, byte(len(u)))
	for _, x := range u {
		b = le16(b, x)
	}
	return b
}
