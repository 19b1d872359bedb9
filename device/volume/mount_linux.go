package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"golang.org/x/sys/unix"
)

// Mounted is a mounted disk; Unmount flushes and detaches it.
type Mounted struct {
	Path    string
	Dev     string
	Via     string // "udisks" or "mount"
	cleanup func(context.Context) error
}

// Unmount syncs the file system and unmounts it.
func (m *Mounted) Unmount(ctx context.Context) error {
	if m == nil || m.cleanup == nil {
		return nil
	}
	err := m.cleanup(ctx)
	m.cleanup = nil
	return err
}

// filesystems lawtrail mounts: what recorders format their cards with.
var filesystems = []string{"vfat", "exfat"}

// Mount mounts dev read-write (clearing footage needs writes; nothing else
// is written) with names decoded as UTF-8, through udisks when it runs,
// else with mount(2) into a new folder under dir. Its error says what an
// officer can do when neither way is allowed.
func Mount(ctx context.Context, dev, dir string) (*Mounted, error) {
	if path, err := exec.LookPath("udisksctl"); err == nil && os.Geteuid() != 0 {
		return mountUdisks(ctx, path, dev)
	}
	return mountSyscall(dev, dir)
}

var mountedAt = regexp.MustCompile(` at (/[^\n]+?)\.?\n?$`)

func mountUdisks(ctx context.Context, bin, dev string) (*Mounted, error) {
	out, err := exec.CommandContext(ctx, bin, "mount", "--no-user-interaction", "-b", dev).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("udisksctl mount %s: %s: %w", dev, strings.TrimSpace(string(out)), err)
	}
	m := mountedAt.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("udisksctl mount %s: unexpected answer %q", dev, out)
	}
	return &Mounted{Path: string(m[1]), Dev: dev, Via: "udisks", cleanup: func(ctx context.Context) error {
		unix.Sync()
		if out, err := exec.CommandContext(ctx, bin, "unmount", "--no-user-interaction", "-b", dev).CombinedOutput(); err != nil {
			return fmt.Errorf("udisksctl unmount %s: %s: %w", dev, strings.TrimSpace(string(out)), err)
		}
		return nil
	}}, nil
}

func mountSyscall(dev, dir string) (*Mounted, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mount %s: %w", dev, err)
	}
	target, err := os.MkdirTemp(dir, "recorder-")
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", dev, err)
	}
	var errs []error
	for _, fs := range filesystems {
		opts := "iocharset=utf8,shortname=mixed,flush"
		if fs == "exfat" {
			opts = "iocharset=utf8"
		}
		err := unix.Mount(dev, target, fs, unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, opts)
		if err == nil {
			return &Mounted{Path: target, Dev: dev, Via: "mount", cleanup: func(context.Context) error {
				unix.Sync()
				if err := unix.Unmount(target, 0); err != nil {
					return fmt.Errorf("unmount %s: %w", target, err)
				}
				return os.Remove(target)
			}}, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", fs, err))
		if errors.Is(err, unix.EPERM) {
			break
		}
	}
	os.Remove(target)
	err = errors.Join(errs...)
	if errors.Is(err, unix.EPERM) {
		return nil, fmt.Errorf("mount %s: this user may not mount disks and udisks is not running; install udisks2 or mount the recorder and use --from: %w", dev, err)
	}
	return nil, fmt.Errorf("mount %s: %w", dev, err)
}
