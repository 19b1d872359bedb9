package mtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"lawtrail/device"
)

func recorder(t *testing.T) (*fakeDevice, []byte, []byte) {
	f := newFakeDevice()
	big := make([]byte, 9<<20+777) // more than two partial reads
	rand.Read(big)
	small := bytes.Repeat([]byte("现场"), 256) // exactly 1536 bytes: fills whole packets
	f.folder(1, 0xFFFFFFFF, "DCIM")
	f.folder(2, 1, "100MEDIA")
	f.add(3, 2, "DSJ7654_350101_20261120101530_0001.MP4", big)
	f.add(4, 2, "重点.MP4", small)
	f.add(5, 0xFFFFFFFF, "README.TXT", []byte("x"))
	return f, big, small
}

func TestWalkAndRead(t *testing.T) {
	ctx := context.Background()
	f, big, small := recorder(t)
	c, err := Open(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewSource(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := src.Info(ctx)
	if info.Serial != "DSJ7654321" || info.Vendor != "示例记录仪厂" {
		t.Fatalf("device info %+v", info)
	}
	files := map[string]device.File{}
	if err := src.Walk(ctx, func(fl device.File) error { files[fl.Path] = fl; return nil }, func(string, string) {}); err != nil {
		t.Fatal(err)
	}
	bigPath := "00010001/DCIM/100MEDIA/DSJ7654_350101_20261120101530_0001.MP4"
	if len(files) != 3 || files[bigPath].Size != int64(len(big)) || files[bigPath].ModTime.IsZero() {
		t.Fatalf("files %+v", files)
	}
	for _, off := range []int64{0, 4<<20 + 3} {
		r, err := src.Open(ctx, bigPath, off)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, big[off:]) {
			t.Fatalf("read from %d: %d bytes, err %v", off, len(got), err)
		}
	}
	var whole bytes.Buffer
	if err := c.GetObject(ctx, 4, &whole); err != nil || !bytes.Equal(whole.Bytes(), small) {
		t.Fatalf("a payload filling whole packets: %v", err)
	}
	if err := src.Remove(ctx, bigPath); err != nil || len(f.deleted) != 1 || f.deleted[0] != 3 {
		t.Fatalf("remove: %v %v", err, f.deleted)
	}
}

// Files over 4 GiB: the dataset says 0xFFFFFFFF, the size property tells the
// truth, and reads past 4 GiB use the 64-bit partial read.
func TestObjectsOver4GiB(t *testing.T) {
	ctx := context.Background()
	f := newFakeDevice()
	f.objects[7] = &fakeObject{parent: 0xFFFFFFFF, name: "LONG.MP4", size: 5 << 30, modified: "20261120T104500+0800"}
	c, _ := Open(ctx, f)
	src, _ := NewSource(ctx, c)
	var seen device.File
	src.Walk(ctx, func(fl device.File) error { seen = fl; return nil }, func(string, string) {})
	if seen.Size != 5<<30 {
		t.Fatalf("size %d, want 5 GiB", seen.Size)
	}
	r, err := src.Open(ctx, seen.Path, 5<<30-100)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if len(got) != 100 || got[99] != byte((5<<30-1)%251) {
		t.Fatalf("tail of a 5 GiB object: %d bytes", len(got))
	}
}

func TestProtocolErrors(t *testing.T) {
	ctx := context.Background()
	f, _, _ := recorder(t)
	c, _ := Open(ctx, f)
	var re *ResponseError
	if _, err := c.ObjectInfo(ctx, 99); !errors.As(err, &re) || re.Code != RespInvalidObject {
		t.Fatalf("unknown object: %v", err)
	}
	f.badTID = true
	if _, err := c.StorageIDs(ctx); !errors.Is(err, ErrProtocol) {
		t.Fatalf("a response to another transaction: %v", err)
	}
	d := decoder{b: []byte{5, 0, 0}}
	if d.str(); d.err == nil {
		t.Fatal("a truncated string decoded")
	}
	if _, err := parseHeader([]byte{1, 2}); !errors.Is(err, ErrProtocol) {
		t.Fatal("a 2-byte container parsed")
	}
}

// FuzzContainers: whatever a device sends, the reader fails cleanly.
func FuzzContainers(f *testing.F) {
	f.Add(container(typeData, OpGetStorageIDs, 1, le32(le32(nil, 1), 7)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 2, 0, 4, 16, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		dev := &fakeDevice{packet: 512}
		dev.pending = [][]byte{b, container(typeResponse, RespOK, 1, nil)}
		r := newReader(dev)
		r.readContainer(context.Background(), io.Discard)
		d := decoder{b: b}
		d.u16s()
		d.str()
		d.u32s()
	})
}
