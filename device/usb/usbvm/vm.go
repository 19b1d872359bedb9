package usbvm

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Boot is one VM run: a scenario, the files it adds to the initramfs,
// QEMU's USB devices, and what a "USBVM-QMP" line from the guest does.
type Boot struct {
	Scenario string
	Files    *Initramfs
	Devices  []string // -device arguments (and their -drive)
	// QMP maps a guest request ("device_del mtp0") to a QMP command.
	QMP map[string]map[string]any
}

// Result is what the guest printed.
type Result struct {
	Output  string
	Passed  bool
	Figures map[string]string
}

// Run boots the kit with b under QEMU (TCG) and collects the console
// until the guest powers off or ctx ends.
func (k *Kit) Run(ctx context.Context, work string, b Boot, log io.Writer) (Result, error) {
	initrd := filepath.Join(work, b.Scenario+".cpio")
	f, err := os.Create(initrd)
	if err != nil {
		return Result{}, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, err = b.Files.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, fmt.Errorf("initramfs: %w", err)
	}
	sock := filepath.Join(work, b.Scenario+".qmp")
	os.Remove(sock)
	args := []string{"-accel", "tcg", "-m", "1536", "-smp", "2", "-nographic", "-no-reboot",
		"-kernel", k.Kernel, "-initrd", initrd,
		"-append", "console=ttyS0 quiet loglevel=3 panic=-1 lt.scenario=" + b.Scenario,
		"-qmp", "unix:" + sock + ",server=on,wait=off",
		"-device", "qemu-xhci,id=xhci"}
	args = append(args, b.Devices...)
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	cmd.Stdin = nil
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("qemu: %w", err)
	}
	defer cmd.Process.Kill()
	res := Result{Figures: map[string]string{}}
	var out strings.Builder
	var qmp *qmpConn
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		out.WriteString(line + "\n")
		fmt.Fprintln(log, line)
		switch {
		case strings.HasPrefix(line, "USBVM-PASS"):
			res.Passed = true
		case strings.HasPrefix(line, "USBVM-FIGURE "):
			f := strings.Fields(line)
			if len(f) >= 3 {
				res.Figures[f[1]] = strings.Join(f[2:], " ")
			}
		case strings.HasPrefix(line, "USBVM-QMP "):
			req := strings.TrimPrefix(line, "USBVM-QMP ")
			c, ok := b.QMP[req]
			if !ok {
				return res, fmt.Errorf("guest asked for unknown QMP request %q", req)
			}
			if qmp == nil {
				if qmp, err = dialQMP(sock); err != nil {
					return res, err
				}
				defer qmp.Close()
			}
			if err := qmp.do(c); err != nil {
				return res, fmt.Errorf("qmp %s: %w", req, err)
			}
			fmt.Fprintf(log, "[host] qmp %s done\n", req)
		}
	}
	err = cmd.Wait()
	res.Output = out.String()
	if ctx.Err() != nil {
		return res, fmt.Errorf("scenario %s: %w", b.Scenario, ctx.Err())
	}
	return res, err
}

type qmpConn struct {
	c   net.Conn
	dec *json.Decoder
}

func dialQMP(sock string) (*qmpConn, error) {
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("qmp: %w", err)
	}
	q := &qmpConn{c: c, dec: json.NewDecoder(c)}
	var greeting map[string]any
	if err := q.dec.Decode(&greeting); err != nil {
		c.Close()
		return nil, fmt.Errorf("qmp greeting: %w", err)
	}
	return q, q.do(map[string]any{"execute": "qmp_capabilities"})
}

// do sends a command and waits for its return (events are skipped).
func (q *qmpConn) do(cmd map[string]any) error {
	q.c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := json.NewEncoder(q.c).Encode(cmd); err != nil {
		return err
	}
	for {
		var m map[string]json.RawMessage
		if err := q.dec.Decode(&m); err != nil {
			return err
		}
		if e, ok := m["error"]; ok {
			return fmt.Errorf("%s", e)
		}
		if _, ok := m["return"]; ok {
			return nil
		}
	}
}

func (q *qmpConn) Close() error { return q.c.Close() }
