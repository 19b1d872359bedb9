package unlock

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// lockedRecorder answers like the reference device, in memory.
type lockedRecorder struct {
	vendor, product string
	password        string
	clock           time.Time
	unlocked        bool
	pendingCBW      []byte
	queue           [][]byte
	lastSense       [3]byte
	silent          bool // never answers: a timeout
}

func (d *lockedRecorder) BulkOut(_ context.Context, p []byte) error {
	if d.pendingCBW != nil { // the data stage of a data-out command
		d.answer(d.pendingCBW, p)
		d.pendingCBW = nil
		return nil
	}
	if len(p) != cbwLen || binary.LittleEndian.Uint32(p) != cbwSignature {
		return errors.New("not a CBW")
	}
	if p[12]&0x80 == 0 && binary.LittleEndian.Uint32(p[8:]) > 0 {
		d.pendingCBW = append([]byte(nil), p...)
		return nil
	}
	d.answer(p, nil)
	return nil
}

func (d *lockedRecorder) BulkIn(_ context.Context, buf []byte) (int, error) {
	if d.silent || len(d.queue) == 0 {
		return 0, errors.New("timeout")
	}
	b := d.queue[0]
	d.queue = d.queue[1:]
	return copy(buf, b), nil
}

func (d *lockedRecorder) answer(cbw, out []byte) {
	tag := binary.LittleEndian.Uint32(cbw[4:])
	cdb := cbw[15 : 15+int(cbw[14])]
	status := byte(0)
	switch {
	case cdb[0] == 0x12:
		inq := make([]byte, 36)
		copy(inq[8:], padTo(d.vendor, 8))
		copy(inq[16:], padTo(d.product, 16))
		copy(inq[32:], "1.00")
		d.queue = append(d.queue, inq)
	case cdb[0] == 0x03:
		s := make([]byte, 18)
		s[2], s[12], s[13] = d.lastSense[0], d.lastSense[1], d.lastSense[2]
		d.queue = append(d.queue, s)
	case cdb[0] == 0xF0 && cdb[1] == 0x01:
		rec := make([]byte, 97)
		copy(rec[0:], "DSJ0042")
		copy(rec[7:], "350101")
		name, _ := simplifiedchinese.GBK.NewEncoder().String("张三")
		copy(rec[13:], name)
		copy(rec[45:], "350100000001")
		unit, _ := simplifiedchinese.GBK.NewEncoder().String("某区市场监督管理局")
		copy(rec[57:], unit)
		copy(rec[89:], "DSJ-A8")
		d.queue = append(d.queue, rec)
	case cdb[0] == 0xF0 && cdb[1] == 0x03:
		c := make([]byte, 7)
		binary.BigEndian.PutUint16(c, uint16(d.clock.Year()))
		c[2], c[3], c[4], c[5], c[6] = byte(d.clock.Month()), byte(d.clock.Day()), byte(d.clock.Hour()), byte(d.clock.Minute()), byte(d.clock.Second())
		d.queue = append(d.queue, c)
	case cdb[0] == 0xF0 && cdb[1] == 0x02:
		d.clock = time.Date(int(binary.BigEndian.Uint16(out)), time.Month(out[2]), int(out[3]), int(out[4]), int(out[5]), int(out[6]), 0, time.FixedZone("CST", 8*3600))
	case cdb[0] == 0xF0 && cdb[1] == 0x04:
		d.queue = append(d.queue, []byte{87})
	case cdb[0] == 0xF0 && cdb[1] == 0x10:
		if string(bytes.TrimRight(out, "\x00")) == d.password {
			d.unlocked = true
		} else {
			status, d.lastSense = 1, [3]byte{0x05, 116, 0}
		}
	default:
		status, d.lastSense = 1, [3]byte{0x05, 0x20, 0} // invalid command
	}
	csw := make([]byte, cswLen)
	binary.LittleEndian.PutUint32(csw, cswSignature)
	binary.LittleEndian.PutUint32(csw[4:], tag)
	csw[12] = status
	d.queue = append(d.queue, csw)
}

func padTo(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }

func profiles(t *testing.T) []Profile {
	raw, err := os.ReadFile("../../assets/profiles/locked-recorders.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProfiles(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestIdentifySyncBatteryUnlock(t *testing.T) {
	ctx := context.Background()
	dev := &lockedRecorder{vendor: "ZFYDSJ", product: "LOCKED DISK", password: "888888",
		clock: time.Date(2000, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	r, err := Detect(ctx, dev, profiles(t))
	if err != nil {
		t.Fatal(err)
	}
	info, err := r.Identify(ctx)
	if err != nil || info.Serial != "DSJ0042" || info.OfficerID != "350101" || info.UnitName != "某区市场监督管理局" || info.Model != "DSJ-A8" {
		t.Fatalf("device record %+v %v", info, err)
	}
	now := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	offset, err := r.SyncTime(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Sub(now); offset != want {
		t.Fatalf("clock offset %v, want %v (a recorder reset to 2000)", offset, want)
	}
	if c, _ := r.Clock(ctx); !c.Equal(now) {
		t.Fatalf("clock after sync %v", c)
	}
	if b, err := r.Battery(ctx); err != nil || b != 87 {
		t.Fatalf("battery %d %v", b, err)
	}
	err = r.Unlock(ctx, []byte("123456"))
	if !errors.Is(err, ErrWrongPassword) || strings.Contains(err.Error(), "123456") {
		t.Fatalf("wrong password: %v", err)
	}
	if dev.unlocked {
		t.Fatal("unlocked with a wrong password")
	}
	if err := r.Unlock(ctx, []byte("888888")); err != nil || !dev.unlocked {
		t.Fatalf("unlock: %v", err)
	}
}

func TestUnknownDeviceAndTimeout(t *testing.T) {
	ctx := context.Background()
	if _, err := Detect(ctx, &lockedRecorder{vendor: "KINGSTON", product: "DataTraveler"}, profiles(t)); !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("unknown device: %v", err)
	}
	if _, err := Detect(ctx, &lockedRecorder{silent: true}, profiles(t)); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("a silent device: %v", err)
	}
}

func TestBrokenProfiles(t *testing.T) {
	for _, raw := range []string{
		`{"version":2,"profiles":[]}`,
		`{"version":1,"profiles":[{"name":"x","match":{"vendor":"V"},"identify":{"cdb":"ZZ"}}]}`,
		`{"version":1,"profiles":[{"name":"x","match":{"vendor":"V"},"identify":{"cdb":"F0","in":4},"record":[{"field":"serial","offset":2,"length":7}],"get_time":{"cdb":"F0"},"set_time":{"cdb":"F0","out":7},"battery":{"cdb":"F0"},"unlock":{"cdb":"F0","out":16}}]}`,
		`{"version":1,"profiles":[{"name":"x","match":{"vendor":"V"},"colour":1}]}`,
	} {
		if _, err := ParseProfiles([]byte(raw)); err == nil {
			t.Errorf("accepted %s", raw)
		}
	}
}

// scripted answers whatever bytes it is given, in order.
type scripted struct{ answers [][]byte }

func (s *scripted) BulkOut(context.Context, []byte) error { return nil }
func (s *scripted) BulkIn(_ context.Context, buf []byte) (int, error) {
	if len(s.answers) == 0 {
		return 0, errors.New("timeout")
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return copy(buf, a), nil
}

// FuzzGarbageReplies: whatever a device answers, detection and every
// vendor command fail cleanly (no panic) or succeed on well-formed data.
func FuzzGarbageReplies(f *testing.F) {
	f.Add([]byte("USBS\x01\x00\x00\x00\x00\x00\x00\x00\x00"), []byte{})
	f.Add(make([]byte, 36), []byte("garbage"))
	ps := []Profile{}
	raw, _ := os.ReadFile("../../assets/profiles/locked-recorders.json")
	ps, _ = ParseProfiles(raw)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		dev := &scripted{answers: [][]byte{a, b, a, b, a, b}}
		r, err := Detect(context.Background(), dev, ps)
		if err != nil {
			return
		}
		r.Identify(context.Background())
		r.Clock(context.Background())
		r.Battery(context.Background())
		r.Unlock(context.Background(), []byte("x"))
	})
}
