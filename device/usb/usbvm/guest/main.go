//go:build linux

// Command guest runs inside the test VM of device/usb/usbvm: one scenario
// per boot, against the kernel's and libusb's real USB stacks. It drives
// the real lawtrailctl binary, asks the host for hot-plug through lines
// on the console ("USBVM-QMP …"), prints figures ("USBVM-FIGURE …") and
// ends with USBVM-PASS or USBVM-FAIL.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

const (
	ctl      = "/bin/lawtrailctl"
	dataDir  = "/tmp/data"
	manifest = "/manifest.json"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Println("USBVM-FAIL usage: guest SCENARIO")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	scenarios := map[string]func(context.Context) error{
		"mtp":        scenarioMTP,
		"storage":    scenarioStorage,
		"hotplug":    scenarioHotplug,
		"locked":     scenarioLocked,
		"lockeddock": scenarioLockedDock,
		"exfat":      scenarioExFAT,
		"android":    scenarioAndroid,
		"bench":      scenarioBench,
	}
	run, ok := scenarios[os.Args[1]]
	if !ok {
		fmt.Println("USBVM-FAIL unknown scenario", os.Args[1])
		os.Exit(2)
	}
	if err := run(ctx); err != nil {
		fmt.Println("USBVM-FAIL", err)
		os.Exit(1)
	}
	fmt.Println("USBVM-PASS")
}

// lawtrailctl runs the real command against the guest's data folder.
func lawtrailctl(ctx context.Context, args ...string) (string, int, error) {
	cmd := exec.CommandContext(ctx, ctl, append([]string{"--data", dataDir}, args...)...)
	cmd.Env = append(os.Environ(), "LAWTRAIL_PASSPHRASE=usbvm-passphrase", "LAWTRAIL_PIN=123456", "LANG=C.UTF-8")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code, err = ee.ExitCode(), nil
	}
	fmt.Printf("$ lawtrailctl %s  → exit %d\n%s", strings.Join(args, " "), code, indent(out))
	return string(out), code, err
}

func indent(b []byte) string {
	var sb strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if l != "" {
			sb.WriteString("    " + l)
		}
	}
	if sb.Len() > 0 && !strings.HasSuffix(sb.String(), "\n") {
		sb.WriteString("\n")
	}
	return sb.String()
}

func mustCtl(ctx context.Context, args ...string) (string, error) {
	out, code, err := lawtrailctl(ctx, args...)
	if err != nil || code != 0 {
		return out, fmt.Errorf("lawtrailctl %s: exit %d %v", args[0], code, err)
	}
	return out, nil
}

func initTerminal(ctx context.Context) error {
	_, err := mustCtl(ctx, "init", "--agency", "某区城市管理综合执法局", "--officer-id", "350101", "--officer-name", "张三")
	return err
}

// expected is the host's manifest: path on the device → SHA-256.
func expected() (map[string]string, error) {
	b, err := os.ReadFile(manifest)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	return m, json.Unmarshal(b, &m)
}

type footage struct {
	Digest       string `json:"digest"`
	Size         int64  `json:"size"`
	OriginalPath string `json:"original_path"`
	DeviceSerial string `json:"device_serial"`
	Sources      int    `json:"sources"`
	State        string `json:"state"`
}

func footageList(ctx context.Context) ([]footage, error) {
	cmd := exec.CommandContext(ctx, ctl, "--data", dataDir, "footage", "list", "--json")
	cmd.Env = append(os.Environ(), "LAWTRAIL_PASSPHRASE=usbvm-passphrase") // the record is sealed: reading needs it too
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("footage list: %w", err)
	}
	var items []footage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var f footage
		if err := dec.Decode(&f); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		items = append(items, f)
	}
	return items, nil
}

// sameFootage checks that the terminal holds exactly the manifest's
// contents, each once, from one source file each, in the given state.
func sameFootage(ctx context.Context, want map[string]string, state string) error {
	items, err := footageList(ctx)
	if err != nil {
		return err
	}
	digests := map[string]bool{}
	for _, d := range want {
		digests[d] = true
	}
	if len(items) != len(digests) {
		return fmt.Errorf("%d footage items, want %d", len(items), len(digests))
	}
	for _, it := range items {
		if !digests[strings.TrimPrefix(it.Digest, "sha256:")] {
			return fmt.Errorf("footage %s (%s) is not on the device", it.Digest, it.OriginalPath)
		}
		if it.Sources != 1 {
			return fmt.Errorf("footage %s recorded from %d source files, want 1", it.OriginalPath, it.Sources)
		}
		if state != "" && it.State != state {
			return fmt.Errorf("footage %s in state %s, want %s", it.OriginalPath, it.State, state)
		}
	}
	fmt.Printf("footage: %d items, digests equal to the device's files\n", len(items))
	_, err = mustCtl(ctx, "check")
	return err
}

// devices is `lawtrailctl devices --json`.
type deviceLine struct {
	Port     string          `json:"port"`
	Kind     string          `json:"kind"`
	VID      uint16          `json:"vid"`
	PID      uint16          `json:"pid"`
	Serial   string          `json:"serial"`
	Inquiry  string          `json:"inquiry"`
	Why      string          `json:"why"`
	State    string          `json:"state"`
	Identity json.RawMessage `json:"identity"`
}

// waitDevices polls `devices --json` until cond holds.
func waitDevices(ctx context.Context, cond func([]deviceLine) bool) ([]deviceLine, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		cmd := exec.CommandContext(ctx, ctl, "devices", "--json")
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		var devs []deviceLine
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			var d deviceLine
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				return nil, fmt.Errorf("devices --json: %w: %s", err, sc.Text())
			}
			devs = append(devs, d)
		}
		if cond(devs) {
			fmt.Printf("$ lawtrailctl devices --json\n%s", indent(out))
			return devs, nil
		}
		if time.Now().After(deadline) {
			return devs, fmt.Errorf("devices never matched; last: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func kinds(kind string, n int) func([]deviceLine) bool {
	return func(ds []deviceLine) bool {
		c := 0
		for _, d := range ds {
			if d.Kind == kind {
				c++
			}
		}
		return c == n
	}
}

func figure(name string, value float64, unit string) {
	fmt.Printf("USBVM-FIGURE %s %.3f %s\n", name, value, unit)
}
