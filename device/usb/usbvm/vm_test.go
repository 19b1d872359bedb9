//go:build usbvm

package usbvm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	kit  *Kit
	work string
)

func TestMain(m *testing.M) {
	if os.Getenv("LAWTRAIL_SKIP_USBVM") == "1" {
		fmt.Println("usbvm: skipped because LAWTRAIL_SKIP_USBVM=1")
		os.Exit(0)
	}
	var err error
	if work, err = os.MkdirTemp("", "usbvm-"); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	cache, _ := os.UserCacheDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	start := time.Now()
	kit, err = BuildKit(ctx, "../../..", filepath.Join(cache, "lawtrail-usbvm"), work)
	cancel()
	if err != nil {
		fmt.Println("usbvm: build the guest:", err)
		os.Exit(2)
	}
	fmt.Printf("usbvm: kernel %s, guest built in %v\n", filepath.Base(kit.Kernel), time.Since(start).Round(time.Millisecond))
	code := m.Run()
	os.RemoveAll(work)
	os.Exit(code)
}

// recorderFiles writes a recorder's tree (path → size, seeded random
// content) under dir and returns the manifest (path → SHA-256).
func recorderFiles(t *testing.T, dir string, files map[string]int) (map[string]string, map[string]int64) {
	t.Helper()
	manifest, sizes := map[string]string{}, map[string]int64{}
	rng := rand.NewChaCha8([32]byte{7})
	for p, size := range files {
		b := make([]byte, size)
		rng.Read(b)
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		manifest[p], sizes[p] = hex.EncodeToString(sum[:]), int64(size)
	}
	return manifest, sizes
}

// fatImage makes a FAT32 disk image holding dir's files (mtools).
func fatImage(t *testing.T, dir string, files map[string]int, mib int) string {
	t.Helper()
	img := filepath.Join(work, filepath.Base(dir)+".img")
	os.Remove(img)
	mustRun(t, "mkfs.vfat", "-F", "32", "-n", "DSJ0001", "-C", img, fmt.Sprint(mib*1024))
	made := map[string]bool{}
	for p := range files {
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/")
			if !made[d] {
				mustRun(t, "mmd", "-i", img, "::"+d)
				made[d] = true
			}
		}
		mustRun(t, "mcopy", "-i", img, filepath.Join(dir, p), "::"+p)
	}
	return img
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
}

// boot runs one scenario with the manifest of the recorder it docks.
func boot(t *testing.T, b Boot, manifest map[string]string, sizes map[string]int64) Result {
	t.Helper()
	files := b.Files
	if files == nil {
		files = kit.Base.Clone()
	}
	m, _ := json.Marshal(manifest)
	s, _ := json.Marshal(sizes)
	files.AddBytes("/manifest.json", m)
	files.AddBytes("/sizes.json", s)
	b.Files = files
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	log, err := os.Create(filepath.Join(work, b.Scenario+".log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	start := time.Now()
	res, err := kit.Run(ctx, work, b, log)
	t.Logf("scenario %s: %v", b.Scenario, time.Since(start).Round(time.Millisecond))
	if err != nil || !res.Passed {
		t.Fatalf("scenario %s failed (%v); console:\n%s", b.Scenario, err, res.Output)
	}
	if os.Getenv("LAWTRAIL_USBVM_CONSOLE") == "1" {
		t.Logf("console:\n%s", res.Output)
	}
	for k, v := range res.Figures {
		t.Logf("FIGURE %s = %s", k, v)
	}
	return res
}

// gat947 names, a packet-multiple size, an exact MiB, an important-marked
// folder. (QEMU's usb-mtp sends non-ASCII names as "Oops" unless a GTK
// display set its locale, so Chinese names over MTP are covered by
// device/mtp's unit tests, not here.)
var mtpFiles = map[string]int{
	"DCIM/100MEDIA/DSJ0001_350101_20261120101530_0001.MP4":      3<<20 + 17,
	"DCIM/100MEDIA/DSJ0001_350101_20261120102000_0002.MP4":      512 << 10,
	"DCIM/100MEDIA/DSJ0001_350101_20261120102500_0003.WAV":      1 << 20,
	"DCIM/IMPORTANT/DSJ0001_350101_20261120103000_0004_IMP.MP4": 100_000,
	"RECORD/DSJ0001_350101_20261120103500_0005.JPG":             4096,
}

func mtpDevice(dir string) []string {
	return []string{"-device", "usb-mtp,id=mtp0,bus=xhci.0,rootdir=" + dir + ",readonly=on,desc=DSJ recorder"}
}

// The MTP recorder is writable here: `--clear local` deletes each file
// over MTP (DeleteObject) once its copy is verified; the host folder QEMU
// serves must be empty of them afterwards.
func TestMTPListDownloadAndClear(t *testing.T) {
	dir := filepath.Join(work, "mtp")
	manifest, sizes := recorderFiles(t, dir, mtpFiles)
	devices := []string{"-device", "usb-mtp,id=mtp0,bus=xhci.0,rootdir=" + dir + ",readonly=off,desc=DSJ recorder"}
	boot(t, Boot{Scenario: "mtp", Devices: devices}, manifest, sizes)
	for p := range mtpFiles {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s is still on the recorder after --clear local (%v)", p, err)
		}
	}
}

var diskFiles = map[string]int{
	"DCIM/100MEDIA/DSJ0001_350101_20261120101530_0001.MP4": 2<<20 + 333,
	"DCIM/100MEDIA/DSJ0001_350101_20261120102000_0002.MP4": 64 << 10,
	"DCIM/100MEDIA/DSJ0001_350101_20261120102500_0003.WAV": 700_001,
}

func storageDevice(img string) []string {
	return []string{"-drive", "if=none,id=stick,format=raw,file=" + img,
		"-device", "usb-storage,bus=xhci.0,drive=stick,serial=DSJ0002"}
}

func TestMassStorageIngest(t *testing.T) {
	dir := filepath.Join(work, "disk")
	manifest, sizes := recorderFiles(t, dir, diskFiles)
	img := fatImage(t, dir, diskFiles, 48)
	boot(t, Boot{Scenario: "storage", Devices: storageDevice(img)}, manifest, sizes)
}

func TestHotplugMidTransfer(t *testing.T) {
	dir := filepath.Join(work, "hotplug")
	files := map[string]int{
		"DCIM/100MEDIA/DSJ0001_350101_20261120090000_0001.MP4": 256 << 10,
		"DCIM/100MEDIA/big.mp4":                                40 << 20,
		"DCIM/100MEDIA/DSJ0001_350101_20261120100000_0003.MP4": 300_000,
	}
	manifest, sizes := recorderFiles(t, dir, files)
	add := map[string]any{"driver": "usb-mtp", "id": "mtp0", "bus": "xhci.0", "rootdir": dir, "readonly": true, "desc": "DSJ recorder"}
	boot(t, Boot{Scenario: "hotplug", Devices: mtpDevice(dir), QMP: map[string]map[string]any{
		"device_del mtp0": {"execute": "device_del", "arguments": map[string]any{"id": "mtp0"}},
		"device_add mtp0": {"execute": "device_add", "arguments": add},
	}}, manifest, sizes)
}

// bootLocked runs a scenario whose guest plays a locked recorder holding
// diskFiles on a FAT32 image.
func bootLocked(t *testing.T, scenario string) {
	dir := filepath.Join(work, scenario)
	manifest, sizes := recorderFiles(t, dir, diskFiles)
	files := kit.Base.Clone()
	files.Add("/recorder.img", fatImage(t, dir, diskFiles, 40))
	boot(t, Boot{Scenario: scenario, Files: files}, manifest, sizes)
}

func TestLockedRecorderUnlockIngestClear(t *testing.T) { bootLocked(t, "locked") }

func TestDockUnlocksLockedRecorderOnce(t *testing.T) { bootLocked(t, "lockeddock") }

func TestExFATCardIngestAndClear(t *testing.T) {
	dir := filepath.Join(work, "exfat")
	manifest, sizes := recorderFiles(t, dir, diskFiles)
	img := filepath.Join(work, "exfat.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(64 << 20)
	f.Close()
	mustRun(t, "mkfs.exfat", "-L", "DSJ0003", img)
	files := kit.Base.Clone()
	files.Add("/recorder.img", img)
	for p := range diskFiles {
		files.Add("/card/"+p, filepath.Join(dir, p))
	}
	boot(t, Boot{Scenario: "exfat", Files: files}, manifest, sizes)
}

// An Android-style recorder (4G recorders run Android): MTP on a
// vendor-specific interface, found by its Microsoft OS descriptor; Chinese
// names, a packet-multiple size, and a file over the 4 MiB read chunk.
func TestAndroidStyleMTPRecorder(t *testing.T) {
	dir := filepath.Join(work, "android")
	files := map[string]int{
		"DCIM/重点/DSJ0001_350101_20261120103000_0004_IMP.MP4":   100_000,
		"DCIM/100MEDIA/DSJ0001_350101_20261120101530_0001.MP4": 5<<20 + 3,
		"DCIM/100MEDIA/DSJ0001_350101_20261120102000_0002.MP4": 512 << 10,
		"录音/DSJ0001_350101_20261120102500_0003.WAV":            700_001,
	}
	manifest, sizes := recorderFiles(t, dir, files)
	initrd := kit.Base.Clone()
	for p := range files {
		initrd.Add("/card/"+p, filepath.Join(dir, p))
	}
	boot(t, Boot{Scenario: "android", Files: initrd}, manifest, sizes)
}

// TestMTPThroughputAgainstPlainRead prints the figures of the closing
// note: MTP download against a plain read of the same files from a disk
// on the same emulated bus (no timing is asserted).
func TestMTPThroughputAgainstPlainRead(t *testing.T) {
	dir := filepath.Join(work, "bench")
	files := map[string]int{}
	for i := range 4 {
		files[fmt.Sprintf("DCIM/DSJ0001_350101_2026112010%02d00_%04d.MP4", i, i+1)] = 8 << 20
	}
	manifest, sizes := recorderFiles(t, dir, files)
	img := fatImage(t, dir, files, 64)
	boot(t, Boot{Scenario: "bench", Devices: append(mtpDevice(dir), storageDevice(img)...)}, manifest, sizes)
}
