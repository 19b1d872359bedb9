//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lawtrail/assets"
	"lawtrail/device"
	"lawtrail/device/unlock"
	"lawtrail/device/usb"
)

// scenarioMTP: an MTP recorder (QEMU's usb-mtp over a host folder) is
// listed, ingested over gousb (every digest equals the host's) and
// cleared with DeleteObject.
func scenarioMTP(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	if _, err := waitDevices(ctx, kinds("mtp", 1)); err != nil {
		return err
	}
	out, err := mustCtl(ctx, "ingest", "--usb", "--clear", "local")
	if err != nil {
		return err
	}
	if !strings.Contains(out, "DCIM/IMPORTANT/DSJ0001_350101_20261120103000_0004_IMP.MP4") {
		return fmt.Errorf("the folder names did not survive MTP")
	}
	if !strings.Contains(out, fmt.Sprintf("%d cleared", len(want))) {
		return fmt.Errorf("not every file was cleared over MTP")
	}
	return sameFootage(ctx, want, "cleared")
}

// scenarioStorage: a mass-storage recorder (QEMU's usb-storage over a FAT
// image) is mounted through the kernel and ingested.
func scenarioStorage(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	if _, err := waitDevices(ctx, kinds("mass-storage", 1)); err != nil {
		return err
	}
	out, err := mustCtl(ctx, "ingest", "--usb")
	if err != nil {
		return err
	}
	if !strings.Contains(out, "via mount") {
		return fmt.Errorf("the disk was not mounted through the OS")
	}
	return sameFootage(ctx, want, "signed")
}

var (
	copiedMiB = regexp.MustCompile(`, (\d+) copied \(([0-9.]+) MiB`)
	firstByte = regexp.MustCompile(`first byte copied ([0-9.]+m?s) after arrival`)
	clockWas  = regexp.MustCompile(`clock was (\S+) off`)
)

// scenarioHotplug: `dock` runs; the MTP recorder is pulled mid-copy and
// plugged back; the copy resumes from its last checkpoint and nothing is
// lost or recorded twice; SIGTERM ends dock cleanly.
func scenarioHotplug(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	dock, err := startDock(ctx, "--progress", "json", "--checkpoint-every", "4194304")
	if err != nil {
		return err
	}
	lines := dock.lines
	const (
		waitPull = iota
		waitLeft
		waitBack
		waitDone
	)
	phase, summaries := waitPull, 0
	var readded time.Time
	var resumedMiB float64
	for phase != -1 {
		var line string
		select {
		case l, ok := <-lines:
			if !ok {
				return fmt.Errorf("dock ended early: %v", dock.cmd.Wait())
			}
			line = l
		case <-ctx.Done():
			return fmt.Errorf("hot-plug: stuck in phase %d", phase)
		}
		var u struct {
			Path  string `json:"path"`
			State string `json:"state"`
			Bytes int64  `json:"bytes"`
		}
		isJSON := json.Unmarshal([]byte(line), &u) == nil
		if !isJSON || u.State != "copying" {
			fmt.Println("dock:", line)
		}
		switch {
		case phase == waitPull && isJSON && u.State == "copying" && strings.HasSuffix(u.Path, "big.mp4") && u.Bytes >= 12<<20:
			fmt.Printf("pulling the recorder at %d MiB of %s\n", u.Bytes>>20, u.Path)
			fmt.Println("USBVM-QMP device_del mtp0")
			phase = waitLeft
		case phase == waitLeft && strings.HasPrefix(line, "left "):
			time.Sleep(500 * time.Millisecond)
			readded = time.Now()
			fmt.Println("USBVM-QMP device_add mtp0")
			phase = waitBack
		case phase >= waitLeft && strings.Contains(line, " files, "):
			summaries++
			if phase == waitBack || phase == waitDone {
				if m := copiedMiB.FindStringSubmatch(line); m != nil && strings.Contains(line, " 0 failed") {
					resumedMiB, _ = strconv.ParseFloat(m[2], 64)
					phase = -1
				}
			}
		case phase == waitBack && strings.HasPrefix(line, "arrived "):
			phase = waitDone
		}
		if m := firstByte.FindStringSubmatch(line); m != nil && !readded.IsZero() {
			d, _ := time.ParseDuration(m[1])
			figure("dock_arrival_to_first_byte", d.Seconds()*1000, "ms")
			figure("replug_request_to_first_byte", time.Since(readded).Seconds()*1000, "ms")
		}
	}
	total := sizeMiB()
	fmt.Printf("after the re-plug dock copied %.1f MiB of %.1f MiB\n", resumedMiB, total)
	if resumedMiB >= total {
		return fmt.Errorf("the copy started over (%.1f MiB of %.1f) instead of resuming", resumedMiB, total)
	}
	if err := dock.stop(nil); err != nil {
		return err
	}
	return sameFootage(ctx, want, "signed")
}

// sizeMiB is the manifest's total size (from /sizes.json).
func sizeMiB() float64 {
	b, _ := os.ReadFile("/sizes.json")
	var sizes map[string]int64
	json.Unmarshal(b, &sizes)
	var t int64
	for _, s := range sizes {
		t += s
	}
	return float64(t) / (1 << 20)
}

// scenarioLocked: a locked recorder (a FunctionFS gadget on dummy_hcd) is
// identified, refuses a wrong password, unlocks with the right one,
// re-enumerates as mass storage, is ingested and cleared.
func scenarioLocked(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	if _, err := startLockedGadget(gctx, "admin-8888", "/recorder.img"); err != nil {
		return err
	}
	devs, err := waitDevices(ctx, func(ds []deviceLine) bool {
		return len(ds) == 1 && ds[0].Kind == "locked" && len(ds[0].Identity) > 0
	})
	if err != nil {
		return err
	}
	if !strings.Contains(string(devs[0].Identity), `"Serial":"DSJ0001"`) || !strings.Contains(string(devs[0].Identity), "某区城市管理综合执法局") {
		return fmt.Errorf("identity not read: %s", devs[0].Identity)
	}
	if out, err := mustCtl(ctx, "devices"); err != nil || !strings.Contains(out, "locked (needs --password-file)") ||
		!strings.Contains(out, "1d6b:0104") || !strings.Contains(out, "battery 87%") {
		return fmt.Errorf("devices (text): %v", err)
	}
	for name, pw := range map[string]string{"/tmp/wrong": "admin-1234\n", "/tmp/right": "admin-8888\n"} {
		if err := os.WriteFile(name, []byte(pw), 0o600); err != nil {
			return err
		}
	}
	if out, code, _ := lawtrailctl(ctx, "ingest", "--usb"); code != 2 || !strings.Contains(out, "admin password is needed") {
		return fmt.Errorf("a locked recorder without --password-file: exit %d, want 2 and a request for the password", code)
	}
	out, code, err := lawtrailctl(ctx, "ingest", "--usb", "--password-file", "/tmp/wrong", "--clear", "local")
	if err != nil || code != 2 || !strings.Contains(out, "wrong admin password") {
		return fmt.Errorf("wrong password: exit %d, want 2 and 'wrong admin password'", code)
	}
	if strings.Contains(out, "admin-1234") {
		return fmt.Errorf("the password was printed")
	}
	if items, err := footageList(ctx); err != nil || len(items) != 0 {
		return fmt.Errorf("after the wrong password: %d footage items, %v", len(items), err)
	}
	out, err = mustCtl(ctx, "ingest", "--usb", "--password-file", "/tmp/right", "--clear", "local")
	if err != nil {
		return err
	}
	// The wrong password changed nothing: the clock offset is still the
	// recorder's own (83 minutes slow), and it is what custody records.
	if !strings.Contains(out, "unlocked (reference-dsj): serial DSJ0001, officer 350101") || !strings.Contains(out, "clock was -1h23m") {
		return fmt.Errorf("no unlock report with the recorder's own clock offset in the output")
	}
	if err := sameFootage(ctx, want, "cleared"); err != nil {
		return err
	}
	return diskEmpty(ctx, want)
}

// diskEmpty mounts the unlocked recorder again and checks that the
// cleared files are gone from it.
func diskEmpty(ctx context.Context, want map[string]string) error {
	profiles, _ := unlock.ParseProfiles(assets.LockedRecorders)
	sc := &usb.Scanner{Profiles: profiles}
	devs, err := sc.Scan(ctx)
	if err != nil || len(devs) != 1 || devs[0].Kind != usb.KindStorage {
		return fmt.Errorf("after unlock, want one mass-storage device: %v %v", devs, err)
	}
	rec, err := sc.Open(ctx, devs[0], usb.Options{MountDir: "/tmp/mnt"})
	if err != nil {
		return err
	}
	defer rec.Close(ctx)
	left := 0
	err = rec.Source.Walk(ctx, func(f device.File) error {
		if _, ok := want[f.Path]; ok {
			left++
			fmt.Println("still on the recorder:", f.Path)
		}
		return nil
	}, func(string, string) {})
	if err != nil {
		return err
	}
	if left > 0 {
		return fmt.Errorf("%d cleared files are still on the recorder", left)
	}
	fmt.Printf("recorder: all %d ingested files cleared\n", len(want))
	return nil
}

// scenarioBench: the same files over MTP (gousb, device/mtp) and read
// plainly from a mass-storage disk mounted by the kernel, in one guest.
func scenarioBench(ctx context.Context) error {
	want, err := expected()
	if err != nil {
		return err
	}
	profiles, _ := unlock.ParseProfiles(assets.LockedRecorders)
	sc := &usb.Scanner{Profiles: profiles}
	var devs []usb.Device
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if devs, err = sc.Scan(ctx); err != nil {
			return err
		}
		if len(devs) == 2 || time.Now().After(deadline) {
			break
		}
	}
	// Three rounds, alternating, so both see the same moments of a noisy
	// host; the median round of each counts.
	times := map[usb.Kind][]time.Duration{}
	var bytes int64
	for range 3 {
		for _, d := range devs {
			rec, err := sc.Open(ctx, d, usb.Options{MountDir: "/tmp/mnt"})
			if err != nil {
				return err
			}
			os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
			n, took, err := readAll(ctx, rec.Source, want)
			times[d.Kind] = append(times[d.Kind], took)
			rec.Close(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", d.Kind, err)
			}
			bytes = n
		}
	}
	if len(times[usb.KindMTP]) != 3 || len(times[usb.KindStorage]) != 3 {
		return fmt.Errorf("want an MTP and a mass-storage device, found %v", devs)
	}
	median := func(ds []time.Duration) time.Duration {
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	mtpT, plainT := median(times[usb.KindMTP]), median(times[usb.KindStorage])
	mib := float64(bytes) / (1 << 20)
	figure("mtp_read_MiBps", mib/mtpT.Seconds(), "MiB/s")
	figure("plain_read_MiBps", mib/plainT.Seconds(), "MiB/s")
	figure("mtp_over_plain_read", plainT.Seconds()/mtpT.Seconds(), "ratio")
	return nil
}

// readAll reads every file of src into memory, timing only the reads
// (SHA-256 under emulation is slower than the bus), then checks every
// digest against the manifest. MTP paths start with the storage id.
func readAll(ctx context.Context, src device.Source, want map[string]string) (int64, time.Duration, error) {
	var files []device.File
	if err := src.Walk(ctx, func(f device.File) error { files = append(files, f); return nil }, func(string, string) {}); err != nil {
		return 0, 0, err
	}
	var total int64
	var took time.Duration
	seen := 0
	for _, f := range files {
		var buf bytes.Buffer
		buf.Grow(int(f.Size))
		start := time.Now()
		r, err := src.Open(ctx, f.Path, 0)
		if err != nil {
			return total, took, err
		}
		n, err := io.Copy(&buf, r)
		r.Close()
		took += time.Since(start)
		if err != nil {
			return total, took, fmt.Errorf("%s: %w", f.Path, err)
		}
		total += n
		key := f.Path
		if len(key) > 9 && key[8] == '/' {
			key = key[9:]
		}
		sum := sha256.Sum256(buf.Bytes())
		if d, ok := want[key]; ok {
			if d != hex.EncodeToString(sum[:]) {
				return total, took, fmt.Errorf("%s: digest differs from the host's", f.Path)
			}
			seen++
		}
	}
	if seen != len(want) {
		return total, took, fmt.Errorf("read %d of the %d files", seen, len(want))
	}
	return total, took, nil
}

// scenarioLockedDock: `dock` with a password file meets a locked
// recorder: it unlocks it, and the disk that arrives is docked by the same
// docking, once; SIGTERM ends dock cleanly.
func scenarioLockedDock(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	if err := os.WriteFile("/tmp/right", []byte("admin-8888\n"), 0o600); err != nil {
		return err
	}
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	if _, err := startLockedGadget(gctx, "admin-8888", "/recorder.img"); err != nil {
		return err
	}
	// Here the clock is set first (as an agency does once the footage
	// recorded with the old clock is ingested): the unlock then reads an
	// offset of seconds, not the old 83 minutes.
	if _, err := waitDevices(ctx, kinds("locked", 1)); err != nil {
		return err
	}
	if out, err := mustCtl(ctx, "devices", "--sync-time"); err != nil || !strings.Contains(out, "clock set (it was -1h23m") {
		return fmt.Errorf("devices --sync-time did not report the old offset: %v", err)
	}
	dock, err := startDock(ctx, "--password-file", "/tmp/right", "--clear", "local")
	if err != nil {
		return err
	}
	taken := false
	for line := range dock.lines {
		fmt.Println("dock:", line)
		if strings.Contains(line, "in progress takes it") {
			taken = true
		}
		if m := clockWas.FindStringSubmatch(line); m != nil {
			if d, err := time.ParseDuration(m[1]); err != nil || d.Abs() > time.Minute {
				return fmt.Errorf("after --sync-time the recorder's clock is still %s off", m[1])
			}
		}
		if strings.Contains(line, " files, ") {
			if !strings.Contains(line, "3 copied") || !strings.Contains(line, "3 cleared") || !strings.Contains(line, " 0 failed") {
				return fmt.Errorf("docking summary: %s", line)
			}
			break
		}
	}
	if !taken {
		return fmt.Errorf("the unlocked disk's arrival was not left to the docking that unlocked it")
	}
	time.Sleep(2 * time.Second) // a second docking of the disk would start here
	err = dock.stop(func(line string) error {
		if strings.Contains(line, " files, ") {
			return fmt.Errorf("the recorder was docked twice: %s", line)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return sameFootage(ctx, want, "cleared")
}

// scenarioExFAT: a recorder whose card is exFAT (cards over 32 GB are) is
// mounted with the exfat driver and ingested. The host formats the image;
// the guest fills it through a loop mount, then serves it as a USB disk.
func scenarioExFAT(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll("/tmp/fill", 0o755); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "mount", "-t", "exfat", "-o", "loop", "/recorder.img", "/tmp/fill").CombinedOutput(); err != nil {
		return fmt.Errorf("loop mount: %v: %s", err, out)
	}
	if err := os.CopyFS("/tmp/fill", os.DirFS("/card")); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "umount", "-d", "/tmp/fill").CombinedOutput(); err != nil {
		return fmt.Errorf("umount: %v: %s", err, out)
	}
	if err := startDiskGadget("/recorder.img", "DSJ0003"); err != nil {
		return err
	}
	if _, err := waitDevices(ctx, kinds("mass-storage", 1)); err != nil {
		return err
	}
	out, err := mustCtl(ctx, "ingest", "--usb", "--clear", "local")
	if err != nil {
		return err
	}
	if !strings.Contains(out, "via mount") || !strings.Contains(out, fmt.Sprintf("%d cleared", len(want))) {
		return fmt.Errorf("the exFAT card was not mounted, ingested and cleared")
	}
	return sameFootage(ctx, want, "cleared")
}

// prepare reads the host's manifest and makes the guest's terminal.
func prepare(ctx context.Context) (map[string]string, error) {
	want, err := expected()
	if err != nil {
		return nil, err
	}
	return want, initTerminal(ctx)
}

// dockProcess is `lawtrailctl dock` running, its output line by line.
type dockProcess struct {
	cmd   *exec.Cmd
	lines chan string
}

func startDock(ctx context.Context, args ...string) (*dockProcess, error) {
	cmd := exec.CommandContext(ctx, ctl, append([]string{"--data", dataDir, "dock"}, args...)...)
	cmd.Env = append(os.Environ(), "LAWTRAIL_PASSPHRASE=usbvm-passphrase", "LAWTRAIL_PIN=123456") // the clerk who docks logs in
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &dockProcess{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	return p, nil
}

// stop sends SIGTERM, hands each remaining line to check (if any) and
// wants a clean exit.
func (p *dockProcess) stop(check func(string) error) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	var bad error
	for l := range p.lines {
		fmt.Println("dock:", l)
		if check != nil && bad == nil {
			bad = check(l)
		}
	}
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("dock after SIGTERM: %w", err)
	}
	return bad
}

// scenarioAndroid: an Android-style MTP recorder (vendor-specific
// interface, Microsoft OS descriptor "MTP", Chinese names) is recognised
// by its OS descriptor, ingested over MTP and cleared with DeleteObject.
func scenarioAndroid(ctx context.Context) error {
	want, err := prepare(ctx)
	if err != nil {
		return err
	}
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := startMTPGadget(gctx, "/card"); err != nil {
		return err
	}
	devs, err := waitDevices(ctx, kinds("mtp", 1))
	if err != nil {
		return err
	}
	if devs[0].Why != "ms-os-descriptor" {
		return fmt.Errorf("recognised by %q, want the MS OS descriptor", devs[0].Why)
	}
	out, err := mustCtl(ctx, "ingest", "--usb", "--clear", "local")
	if err != nil {
		return err
	}
	if !strings.Contains(out, "/DCIM/重点/DSJ0001_350101_20261120103000_0004_IMP.MP4") {
		return fmt.Errorf("the Chinese folder name did not survive MTP")
	}
	if err := sameFootage(ctx, want, "cleared"); err != nil {
		return err
	}
	for p := range want {
		if _, err := os.Stat(filepath.Join("/card", p)); !os.IsNotExist(err) {
			return fmt.Errorf("%s is still on the recorder (%v)", p, err)
		}
	}
	return nil
}
