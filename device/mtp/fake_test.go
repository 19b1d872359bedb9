package mtp

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"unicode/utf16"
)

// fakeDevice is an MTP responder in memory: a tree of objects, answers
// split into USB-like transfers of random whole packets, zero-length
// packets where a transfer fills whole packets.
type fakeDevice struct {
	packet  int
	objects map[uint32]*fakeObject
	storage uint32
	pending [][]byte // transfers waiting to be read
	rng     *rand.Rand
	badTID  bool
	deleted []uint32
}

type fakeObject struct {
	parent   uint32
	name     string
	folder   bool
	data     []byte
	size     uint64 // for huge virtual objects (data nil): bytes are byte(i % 251)
	modified string
}

func newFakeDevice() *fakeDevice {
	return &fakeDevice{packet: 512, objects: map[uint32]*fakeObject{}, storage: 0x00010001, rng: rand.New(rand.NewPCG(1, 2))}
}

func (f *fakeDevice) PacketSize() int { return f.packet }

func (f *fakeDevice) add(h, parent uint32, name string, data []byte) {
	f.objects[h] = &fakeObject{parent: parent, name: name, data: data, size: uint64(len(data)), modified: "20261120T104500"}
}

func (f *fakeDevice) folder(h, parent uint32, name string) {
	f.objects[h] = &fakeObject{parent: parent, name: name, folder: true}
}

func (f *fakeDevice) BulkIn(_ context.Context, buf []byte) (int, error) {
	if len(f.pending) == 0 {
		return 0, errTimeout
	}
	t := f.pending[0]
	f.pending = f.pending[1:]
	return copy(buf, t), nil
}

var errTimeout = &ResponseError{Op: 0, Code: 0xFFFF}

func container(typ, code uint16, tid uint32, payload []byte) []byte {
	b := make([]byte, headerSize+len(payload))
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:], typ)
	binary.LittleEndian.PutUint16(b[6:], code)
	binary.LittleEndian.PutUint32(b[8:], tid)
	copy(b[headerSize:], payload)
	return b
}

// queue splits a container into transfers of random whole packets.
func (f *fakeDevice) queue(c []byte) {
	for len(c) > 0 {
		n := f.packet * (1 + f.rng.IntN(8))
		if n > len(c) {
			n = len(c)
		}
		f.pending = append(f.pending, c[:n])
		c = c[n:]
		if len(c) == 0 && n%f.packet == 0 {
			f.pending = append(f.pending, []byte{}) // zero-length packet
		}
	}
}

func (f *fakeDevice) respond(code uint16, tid uint32, params ...uint32) {
	p := make([]byte, 4*len(params))
	for i, v := range params {
		binary.LittleEndian.PutUint32(p[4*i:], v)
	}
	if f.badTID {
		tid++
	}
	f.pending = append(f.pending, container(typeResponse, code, tid, p))
}

func (f *fakeDevice) BulkOut(_ context.Context, b []byte) error {
	h, _ := parseHeader(b)
	param := func(i int) uint32 { return binary.LittleEndian.Uint32(b[headerSize+4*i:]) }
	data := func(p []byte) { f.queue(container(typeData, h.code, h.tid, p)) }
	switch h.code {
	case OpOpenSession, OpCloseSession:
	case OpGetDeviceInfo:
		var p []byte
		p = le16(p, 100)
		p = le32(p, 6)
		p = le16(p, 100)
		p = ptpStr(p, "microsoft.com: 1.0")
		p = le16(p, 0)
		p = le32(p, 4)
		for _, op := range []uint16{OpGetObject, OpGetPartialObject, OpGetPartialObject64, OpDeleteObject} {
			p = le16(p, op)
		}
		for i := 0; i < 4; i++ {
			p = le32(p, 0)
		}
		for _, s := range []string{"示例记录仪厂", "DSJ-MTP1", "1.0", "DSJ7654321"} {
			p = ptpStr(p, s)
		}
		data(p)
	case OpGetStorageIDs:
		data(le32(le32(nil, 1), f.storage))
	case OpGetObjectHandles:
		var hs []uint32
		for id, o := range f.objects {
			if o.parent == param(2) {
				hs = append(hs, id)
			}
		}
		p := le32(nil, uint32(len(hs)))
		for _, id := range hs {
			p = le32(p, id)
		}
		data(p)
	case OpGetObjectInfo:
		o, ok := f.objects[param(0)]
		if !ok {
			f.respond(RespInvalidObject, h.tid)
			return nil
		}
		var p []byte
		p = le32(p, f.storage)
		format := uint16(0x300B)
		if o.folder {
			format = FormatAssociation
		}
		p = le16(p, format)
		p = le16(p, 0)
		size := uint32(o.size)
		if o.size > 0xFFFFFFFE {
			size = 0xFFFFFFFF
		}
		p = le32(p, size)
		p = le16(p, 0)
		for i := 0; i < 6; i++ {
			p = le32(p, 0)
		}
		p = le32(p, o.parent)
		p = le16(p, 0)
		p = le32(p, 0)
		p = le32(p, 0)
		p = ptpStr(p, o.name)
		p = ptpStr(p, o.modified)
		p = ptpStr(p, o.modified)
		p = ptpStr(p, "")
		data(p)
	case OpGetObjectPropValue:
		o := f.objects[param(0)]
		var p [8]byte
		binary.LittleEndian.PutUint64(p[:], o.size)
		data(p[:])
	case OpGetObject:
		data(f.objects[param(0)].bytes(0, f.objects[param(0)].size))
	case OpGetPartialObject:
		o := f.objects[param(0)]
		data(o.bytes(uint64(param(1)), uint64(param(2))))
	case OpGetPartialObject64:
		o := f.objects[param(0)]
		data(o.bytes(uint64(param(1))|uint64(param(2))<<32, uint64(param(3))))
	case OpDeleteObject:
		f.deleted = append(f.deleted, param(0))
		delete(f.objects, param(0))
	}
	f.respond(RespOK, h.tid)
	return nil
}

func (o *fakeObject) bytes(off, n uint64) []byte {
	if off >= o.size {
		return nil
	}
	n = min(n, o.size-off)
	if o.data != nil {
		return o.data[off : off+n]
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = byte((off + uint64(i)) % 251)
	}
	return out
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

func ptpStr(b []byte, s string) []byte {
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
