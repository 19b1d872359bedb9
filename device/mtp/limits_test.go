package mtp

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"lawtrail/device"
	"lawtrail/device/mtp/mtptest"
)

// floodDevice answers OpenSession, then every data operation with a data
// container that claims length (0xFFFFFFFF: unknown) and sends full
// transfers of 0xFF bytes until it has sent total, then a response. It is
// a device claiming a 4 GiB dataset, or a GetObjectHandles count of 2^32.
type floodDevice struct {
	length       uint32
	total, sent  int
	op           uint16
	tid          uint32
	headerSent   bool
	responseSent bool
}

func (f *floodDevice) PacketSize() int { return 512 }

func (f *floodDevice) BulkOut(_ context.Context, p []byte) error {
	f.op, f.tid = binary.LittleEndian.Uint16(p[6:]), binary.LittleEndian.Uint32(p[8:])
	f.sent, f.headerSent, f.responseSent = 0, false, false
	return nil
}

func (f *floodDevice) BulkIn(_ context.Context, buf []byte) (int, error) {
	if f.op == OpOpenSession || f.sent >= f.total {
		return copy(buf, mtptest.Container(typeResponse, RespOK, f.tid, nil)), nil
	}
	n := min(len(buf), f.total-f.sent)
	for i := range buf[:n] {
		buf[i] = 0xFF
	}
	if !f.headerSent {
		binary.LittleEndian.PutUint32(buf[0:], f.length)
		binary.LittleEndian.PutUint16(buf[4:], typeData)
		binary.LittleEndian.PutUint16(buf[6:], f.op)
		binary.LittleEndian.PutUint32(buf[8:], f.tid)
		f.headerSent = true
	}
	f.sent += n
	return n, nil
}

// A device that claims a dataset of 4 GiB (or of unknown length) and keeps
// sending is cut off at MaxDataset with a protocol error; the terminal never
// holds more than that. Before the cap, 256 MiB of flood were buffered.
func TestHostileDatasetsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		length uint32
		call   func(context.Context, *Client) error
	}{
		{"object handles, 4 GiB claimed", 0xFFFFFFF0, func(ctx context.Context, c *Client) error {
			_, err := c.ObjectHandles(ctx, 0x10001, 0xFFFFFFFF)
			return err
		}},
		{"object info, unknown length", 0xFFFFFFFF, func(ctx context.Context, c *Client) error {
			_, err := c.ObjectInfo(ctx, 7)
			return err
		}},
		{"device info, 4 GiB claimed", 0xFFFFFFF0, func(ctx context.Context, c *Client) error {
			_, err := c.DeviceInfo(ctx)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dev := &floodDevice{length: tc.length, total: 256 << 20}
			c, err := Open(ctx, dev)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err = tc.call(ctx, c)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "dataset longer than") {
				t.Fatalf("got %v, want a protocol error naming the dataset cap", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Fatalf("a flooding device made the terminal allocate %d MiB", alloc>>20)
			}
			if dev.sent > 2*MaxDataset {
				t.Fatalf("read %d bytes of the flood, want to stop near %d", dev.sent, MaxDataset)
			}
		})
	}
}

// A GetObjectHandles answer whose count says 2^32-1 is a protocol error,
// not an allocation of 16 GiB.
func TestHandleCountOfTwoToThe32IsRefused(t *testing.T) {
	payload := binary.LittleEndian.AppendUint32(nil, 0xFFFFFFFF)
	d := decoder{b: append(payload, make([]byte, 64)...)}
	if h := d.u32s(); h != nil || !errors.Is(d.err, ErrProtocol) {
		t.Fatalf("handles %d, err %v", len(h), d.err)
	}
	payload = binary.LittleEndian.AppendUint32(nil, device.MaxFolderEntries+1)
	d = decoder{b: append(payload, make([]byte, 4*(device.MaxFolderEntries+1))...)}
	if h := d.u32s(); h != nil || !errors.Is(d.err, ErrProtocol) {
		t.Fatalf("a folder of %d handles: %d, %v", device.MaxFolderEntries+1, len(h), d.err)
	}
}

// Objects whose names would break paths ('/' in a name lets two objects
// share one path, so the wrong one could be read or deleted; "..") are
// skipped with their reason.
func TestObjectsWithPathBreakingNamesAreSkipped(t *testing.T) {
	ctx := context.Background()
	fsys := fstest.MapFS{"DCIM/a.MP4": {Data: []byte("a"), ModTime: recordedAt}, "DCIM/b.MP4": {Data: []byte("b"), ModTime: recordedAt}}
	r := &mtptest.Responder{FS: fsys, Serial: "S1"}
	c, _ := Open(ctx, mtptest.NewMemory(r, 512, 1))
	src, err := NewSource(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
	}{{"x/y.MP4", "'/' or NUL"}, {"..", "not a file name"}, {"", "not a file name"}} {
		if why := refuseObject("00010001/DCIM/"+tc.name, ObjectInfo{Name: tc.name, Size: 1}); !strings.Contains(why, tc.want) {
			t.Errorf("name %q: %q, want %q", tc.name, why, tc.want)
		}
	}
	if why := refuseObject("p", ObjectInfo{Name: "p", Size: 1 << 63}); !strings.Contains(why, "impossible size") {
		t.Errorf("size 2^63: %q", why)
	}
	var files int
	if err := src.Walk(ctx, func(device.File) error { files++; return nil }, func(string, string) {}); err != nil || files != 2 {
		t.Fatalf("walk of a well-named recorder: %d files, %v", files, err)
	}
}
