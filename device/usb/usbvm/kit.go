package usbvm

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Modules are the kernel modules the guest loads, in this order, with
// their dependencies loaded first (read from each module's .modinfo).
var Modules = []string{
	"usbcore", "xhci-pci", "xhci-hcd", "usb-storage", "sd_mod", "vfat", "nls_cp437", "nls_iso8859-1",
	"nls_utf8", "nls_ascii", "crct10dif_generic", "crc64_rocksoft_generic",
	"configfs", "libcomposite", "dummy_hcd", "usb_f_fs", "usb_f_mass_storage", "exfat", "loop",
}

// moduleParams are insmod parameters: usb-storage scans a new disk at
// once instead of after a second.
var moduleParams = map[string]string{"usb_storage": "delay_use=0"}

// Kit is what every boot shares: the kernel and the base initramfs.
type Kit struct {
	Kernel string
	Base   *Initramfs
}

func run(ctx context.Context, dir string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return out, nil
}

// kernel downloads Debian's current amd64 kernel package into cache (once)
// and unpacks it; it returns the unpacked root.
func kernel(ctx context.Context, cache string) (string, error) {
	root := filepath.Join(cache, "kernel")
	if m, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*")); len(m) > 0 {
		return root, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	out, err := run(ctx, cache, "apt-cache", "depends", "linux-image-amd64")
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`Depends: (linux-image-[0-9][^\s]*-amd64)`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("apt-cache depends linux-image-amd64: no kernel package in %q", out)
	}
	if _, err := run(ctx, cache, "apt-get", "download", string(m[1])); err != nil {
		return "", err
	}
	debs, _ := filepath.Glob(filepath.Join(cache, string(m[1])+"_*.deb"))
	if len(debs) == 0 {
		return "", fmt.Errorf("apt-get download %s left no .deb", m[1])
	}
	tmp := root + ".tmp"
	os.RemoveAll(tmp)
	if _, err := run(ctx, cache, "dpkg-deb", "-x", debs[0], tmp); err != nil {
		return "", err
	}
	os.Remove(debs[0])
	return root, os.Rename(tmp, root)
}

func normalize(name string) string { return strings.ReplaceAll(name, "-", "_") }

// moduleOrder resolves Modules and their dependencies into load order.
func moduleOrder(modDir string) ([]string, error) {
	index := map[string]string{}
	filepath.WalkDir(filepath.Join(modDir, "kernel"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".ko") {
			index[normalize(strings.TrimSuffix(filepath.Base(p), ".ko"))] = p
		}
		return nil
	})
	builtin, _ := os.ReadFile(filepath.Join(modDir, "modules.builtin"))
	var order []string
	done := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		name = normalize(name)
		if done[name] {
			return nil
		}
		done[name] = true
		p, ok := index[name]
		if !ok {
			if bytes.Contains(bytes.ReplaceAll(builtin, []byte("-"), []byte("_")), []byte("/"+name+".ko")) {
				return nil
			}
			return fmt.Errorf("kernel module %s: not in %s", name, modDir)
		}
		deps, err := moduleDepends(p)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		order = append(order, p)
		return nil
	}
	for _, m := range Modules {
		if err := visit(m); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// moduleDepends reads "depends=" from a module's .modinfo section.
func moduleDepends(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", path, err)
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, nil
	}
	b, err := s.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok && len(v) > 0 {
			return strings.Split(string(v), ","), nil
		}
	}
	return nil, nil
}

// sharedLibs lists the libraries ldd says bin needs (and the loader).
func sharedLibs(ctx context.Context, bin string) ([]string, error) {
	out, err := run(ctx, "", "ldd", bin)
	if err != nil {
		return nil, err
	}
	var libs []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			libs = append(libs, f[2])
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			libs = append(libs, f[0])
		}
	}
	return libs, nil
}

const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
while read m params; do insmod "$m" $params || echo "usbvm: insmod $m failed"; done < /modules.list
mount -t configfs none /sys/kernel/config
scenario=$(sed -n 's/.*lt.scenario=\([a-z]*\).*/\1/p' /proc/cmdline)
echo "USBVM-BOOTED $scenario"
/bin/guest "$scenario"
echo "USBVM-EXIT $?"
sync
poweroff -f
`

// BuildKit prepares the kernel (cached in cache) and the base initramfs:
// busybox, the modules, lawtrailctl and the guest program built from repo
// (cgo, with the shared libraries they load).
func BuildKit(ctx context.Context, repo, cache, work string) (*Kit, error) {
	root, err := kernel(ctx, cache)
	if err != nil {
		return nil, err
	}
	kernels, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	mods, _ := filepath.Glob(filepath.Join(root, "lib", "modules", "*"))
	if len(kernels) == 0 || len(mods) == 0 {
		return nil, fmt.Errorf("kernel package in %s has no vmlinuz or modules", root)
	}
	order, err := moduleOrder(mods[0])
	if err != nil {
		return nil, err
	}
	a := NewInitramfs()
	var list strings.Builder
	for _, p := range order {
		name := "/lib/modules/" + filepath.Base(p)
		a.Add(name, p)
		fmt.Fprintf(&list, "%s %s\n", name, moduleParams[normalize(strings.TrimSuffix(filepath.Base(p), ".ko"))])
	}
	a.AddBytes("/modules.list", []byte(list.String()))
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return nil, fmt.Errorf("busybox (Debian busybox-static): %w", err)
	}
	a.Add("/bin/busybox", busybox)
	a.AddExec("/init", []byte(initScript))
	for name, pkg := range map[string]string{"lawtrailctl": "./cmd/lawtrailctl", "guest": "./device/usb/usbvm/guest"} {
		out := filepath.Join(work, name)
		if _, err := run(ctx, repo, "go", "build", "-ldflags", "-s -w", "-o", out, pkg); err != nil {
			return nil, err
		}
		a.Add("/bin/"+name, out)
		libs, err := sharedLibs(ctx, out)
		if err != nil {
			return nil, err
		}
		for _, l := range libs {
			a.Add(l, l)
		}
	}
	return &Kit{Kernel: kernels[0], Base: a}, nil
}
