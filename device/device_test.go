package device

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestDisplayPathKeepsEveryByteVisible(t *testing.T) {
	gbk := "DCIM/\xd6\xd8.MP4" // 重 in GBK: not valid UTF-8
	cases := map[string]string{
		"DCIM/执法 记录.MP4": "DCIM/执法 记录.MP4",
		gbk:              `DCIM/\xd6\xd8.MP4`,
		`odd\xd6name`:    `odd\\xd6name`,
		"a\xffb":         `a\xffb`,
	}
	for in, want := range cases {
		if got := DisplayPath(in); got != want {
			t.Errorf("DisplayPath(%q) = %q, want %q", in, got, want)
		}
	}
	if DisplayPath("a\xd6") == DisplayPath(`a\xd6`) {
		t.Fatal("a raw byte and its escaped spelling display the same")
	}
}

func TestClockOffset(t *testing.T) {
	read := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	if _, ok := (Info{}).ClockOffset(); ok {
		t.Fatal("offset known without a clock")
	}
	off, ok := Info{Clock: read.Add(-90 * time.Second), ClockReadAt: read}.ClockOffset()
	if !ok || off != -90*time.Second {
		t.Fatalf("offset %v %v", off, ok)
	}
}

func shippedProfiles(t testing.TB) *Profiles {
	t.Helper()
	raw, err := os.ReadFile("../assets/profiles/recorders.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProfiles(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

var cst = time.FixedZone("CST", 8*3600)

func TestShippedProfilesReadNames(t *testing.T) {
	ps := shippedProfiles(t)
	mtime := time.Date(2026, 11, 20, 10, 45, 0, 0, cst)
	siblings := map[string]bool{"DCIM/350101_20261120101530.MP4.lock": true}
	cases := []struct {
		path string
		want Meta
	}{
		{"DCIM/DSJ1234_350101_20261120101530_0001.MP4", Meta{Profile: "gat947", Serial: "DSJ1234", Officer: "350101",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 1}},
		{"DCIM/DSJ1234_350101_20261120101530_0002_IMP.mp4", Meta{Profile: "gat947", Serial: "DSJ1234", Officer: "350101",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 2, Important: true}},
		{"重点/DSJ1234_350101_20261120101530_0003.MP4", Meta{Profile: "gat947", Serial: "DSJ1234", Officer: "350101",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 3, Important: true}},
		{"VIDEO/20261120_101530_0007.MP4", Meta{Profile: "dsj-datetime-seq",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 7}},
		{"EMERGENCY/20261120_101530_0008.MP4", Meta{Profile: "dsj-datetime-seq",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 8, Important: true}},
		{"VIDEO/20261120_101530_0009_LOCK.MP4", Meta{Profile: "dsj-datetime-seq",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 9, Important: true}},
		{"DCIM/350101_20261120101530.MP4", Meta{Profile: "dsj-officer-prefix", Officer: "350101",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Important: true}},
		{"DCIM/350101_20261120101530_12.MP4", Meta{Profile: "dsj-officer-prefix", Officer: "350101",
			Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime, Seq: 12}},
		{"misc/VID-2026-11-20_10-15-30.mov", Meta{Profile: "generic", Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime}},
		{"misc/REC20261120101530X.wav", Meta{Profile: "generic", Start: time.Date(2026, 11, 20, 10, 15, 30, 0, cst), End: mtime}},
		// A name that looks like a profile's but holds an impossible time.
		{"DCIM/DSJ1234_350101_20261340101530_0001.MP4", Meta{Profile: "mtime", Start: mtime}},
		{"misc/clip.mp4", Meta{Profile: "mtime", Start: mtime}},
	}
	for _, tc := range cases {
		got := ps.Describe(File{Path: tc.path, ModTime: mtime}, func(p string) bool { return siblings[p] })
		if got.Profile != tc.want.Profile || got.Serial != tc.want.Serial || got.Officer != tc.want.Officer ||
			!got.Start.Equal(tc.want.Start) || !got.End.Equal(tc.want.End) || got.Seq != tc.want.Seq || got.Important != tc.want.Important {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.path, got, tc.want)
		}
	}
}

func TestEndIsMtimeOnlyWhenPlausible(t *testing.T) {
	ps := shippedProfiles(t)
	start := time.Date(2026, 11, 20, 10, 15, 30, 0, cst)
	for _, mtime := range []time.Time{start.Add(-time.Minute), start.Add(13 * time.Hour), {}} {
		m := ps.Describe(File{Path: "20261120_101530_0001.MP4", ModTime: mtime}, nil)
		if !m.End.IsZero() {
			t.Errorf("mtime %v taken as end of a recording starting %v", mtime, start)
		}
	}
}

func TestParseProfilesRejectsBrokenFiles(t *testing.T) {
	cases := map[string]string{
		"not json":        `{`,
		"wrong version":   `{"version":2,"profiles":[]}`,
		"unknown field":   `{"version":1,"profiles":[{"name":"a","pattern":"x","colour":"red"}]}`,
		"bad regexp":      `{"version":1,"profiles":[{"name":"a","pattern":"(?P<start>[0-9"}]}`,
		"unknown group":   `{"version":1,"profiles":[{"name":"a","pattern":"(?P<badge>[0-9]+)"}]}`,
		"start no layout": `{"version":1,"profiles":[{"name":"a","pattern":"(?P<start>[0-9]+)"}]}`,
		"bad zone":        `{"version":1,"profiles":[{"name":"a","pattern":"x","zone":"Mars/Olympus"}]}`,
		"no name":         `{"version":1,"profiles":[{"pattern":"x"}]}`,
		"duplicate name":  `{"version":1,"profiles":[{"name":"a","pattern":"x"},{"name":"a","pattern":"y"}]}`,
	}
	for name, raw := range cases {
		_, err := ParseProfiles([]byte(raw))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), "recorder profiles") {
			t.Errorf("%s: error %q does not say which file", name, err)
		}
	}
	_, err := ParseProfiles([]byte(`{"version":1,"profiles":[{"name":"ok","pattern":"x"},{"name":"vendorX","pattern":"(?P<start>1"}]}`))
	if err == nil || !strings.Contains(err.Error(), `"vendorX"`) || !strings.Contains(err.Error(), "pattern") {
		t.Fatalf("error %v does not name the profile and field", err)
	}
}

// FuzzDescribe: any file name, valid UTF-8 or not, must be described
// without a panic, and a start time read from a name is a real time.
func FuzzDescribe(f *testing.F) {
	ps := shippedProfiles(f)
	for _, s := range []string{"DSJ1234_350101_20261120101530_0001.MP4", "20261120_101530_0007_I.MP4",
		"350101_20261120101530.MP4", "x2026-02-30_25-61-61.mp4", "\xd6\xd8.mp4", ""} {
		f.Add(s)
	}
	mtime := time.Date(2026, 11, 20, 10, 0, 0, 0, cst)
	f.Fuzz(func(t *testing.T, name string) {
		m := ps.Describe(File{Path: "DCIM/" + name, ModTime: mtime}, func(string) bool { return false })
		if m.Profile == "" || m.Start.IsZero() {
			t.Fatalf("%q: %+v", name, m)
		}
		if !m.End.IsZero() && m.End.Before(m.Start) {
			t.Fatalf("%q: ends before it starts", name)
		}
	})
}

// A profiles file over MaxProfilesBytes is refused before it is decoded.
func TestProfilesFileIsBounded(t *testing.T) {
	raw := []byte(`{"version":1,"profiles":[` + strings.Repeat(" ", MaxProfilesBytes) + `]}`)
	if _, err := ParseProfiles(raw); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("got %v", err)
	}
}
