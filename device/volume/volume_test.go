package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSCSI lays out what usb-storage and sd make in sysfs for a disk.
func fakeSCSI(t *testing.T, sysfs, iface, vendor, model, disk, size string, parts ...string) {
	t.Helper()
	dev := filepath.Join(sysfs, "bus/usb/devices", iface, "host0/target0:0:0/0:0:0:0")
	files := map[string]string{"vendor": vendor + "  \n", "model": model + "   \n"}
	if disk != "" {
		files["block/"+disk+"/size"] = size + "\n"
		for _, p := range parts {
			files["block/"+disk+"/"+p+"/partition"] = "1\n"
		}
	}
	for name, body := range files {
		p := filepath.Join(dev, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInquiryAndDiskFromSysfs(t *testing.T) {
	sysfs := t.TempDir()
	fakeSCSI(t, sysfs, "1-1:1.0", "ZFYDSJ", "LOCKED DISK", "sdb", "0")
	fakeSCSI(t, sysfs, "1-2:1.0", "QEMU", "QEMU HARDDISK", "sdc", "98304")
	fakeSCSI(t, sysfs, "1-3:1.0", "Generic", "Card", "sdd", "2048", "sdd1", "sdd2")
	if v, p, ok := Inquiry(sysfs, "1-1:1.0"); !ok || v != "ZFYDSJ" || p != "LOCKED DISK" {
		t.Errorf("inquiry %q %q %v", v, p, ok)
	}
	if _, _, ok := Inquiry(sysfs, "9-9:1.0"); ok {
		t.Error("an interface without a driver has no INQUIRY")
	}
	if _, err := Disk(sysfs, "1-1:1.0"); !errors.Is(err, ErrNoDisk) {
		t.Errorf("a locked disk (no medium) is not mountable: %v", err)
	}
	if d, err := Disk(sysfs, "1-2:1.0"); err != nil || d != "/dev/sdc" {
		t.Errorf("superfloppy: %q %v", d, err)
	}
	if d, err := Disk(sysfs, "1-3:1.0"); err != nil || d != "/dev/sdd1" {
		t.Errorf("partitioned: %q %v", d, err)
	}
	if Interface("1-2.3", 1, 0) != "1-2.3:1.0" {
		t.Error("interface name")
	}
}

func TestWaitDiskGivesUpWithTheReason(t *testing.T) {
	sysfs := t.TempDir()
	start := time.Now()
	_, err := WaitDisk(context.Background(), sysfs, "1-1:1.0", 300*time.Millisecond)
	if !errors.Is(err, ErrNoDisk) || time.Since(start) > 5*time.Second {
		t.Fatalf("got %v", err)
	}
	// The disk is there but /dev has no node for it (no devtmpfs): named.
	fakeSCSI(t, sysfs, "1-1:1.0", "V", "P", "sdzz", "100")
	if _, err := WaitDisk(context.Background(), sysfs, "1-1:1.0", 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "/dev/sdzz") {
		t.Fatalf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WaitDisk(ctx, t.TempDir(), "1-1:1.0", time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

func TestMountRefusesWhatIsNotADisk(t *testing.T) {
	dir := t.TempDir()
	notDisk := filepath.Join(dir, "not-a-disk")
	os.WriteFile(notDisk, []byte("hello"), 0o600)
	m, err := Mount(context.Background(), notDisk, filepath.Join(dir, "mnt"))
	if err == nil {
		m.Unmount(context.Background())
		t.Fatal("a plain file was mounted")
	}
	if !strings.Contains(err.Error(), notDisk) {
		t.Errorf("the error does not name the device: %v", err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "mnt"))
	if len(left) != 0 {
		t.Errorf("mount folders left behind: %v", left)
	}
}
